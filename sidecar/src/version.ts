// The bridge's version, reported in clientInfo upstream, --version and /status.
export const BRIDGE_VERSION = '0.1.0';
