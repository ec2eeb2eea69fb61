// The injector's version, written into every mcp.io/status annotation (a test keeps it equal to package.json).
export const INJECTOR_VERSION = '0.1.0';
