// Public surface of @mcp-sidecar/contract. Everything exported here is a contract between the bridge, the shim
// and the injector: change it only together with all three.

export {
  ANNOTATION_SPECS,
  ANNOTATIONS,
  type AnnotationKey,
  type AnnotationSpec,
  type ConfigAnnotationKey,
  type ConfigMapKey,
  DEFAULT_POLICY_KEY,
  NAMESPACE_LABEL,
  NAMESPACE_LABEL_VALUE,
  readAnnotation,
  renderAnnotationsMarkdown,
} from './annotations.ts';
export {
  type BridgeCli,
  parseBridgeCli,
  renderHelp,
  renderLimitsMarkdown,
  renderOptionsMarkdown,
} from './bridge-cli.ts';
export { UPSTREAM_PROTOCOLS, type UpstreamProtocol } from './options/protocol.ts';
export {
  BRIDGE_OPTION_NAMES,
  BRIDGE_OPTIONS,
  type BridgeConfig,
  type BridgeOptionName,
  defaultBridgeConfig,
  envOf,
  flagOf,
  LOG_LEVELS,
  type LogLevel,
  type OptionSpec,
  parseWarmup,
  SESSION_MODES,
  type SessionMode,
  toBridgeArgs,
  type WarmupCall,
} from './bridge-options.ts';
export { addressBytes, type Cidr, cidrContains, parseCidr, parseCidrList } from './cidr.ts';
export { AUTH_MODES, type AuthMode, JWT_ALGORITHMS, TLS_CLIENT_AUTH, type TlsClientAuth } from './options/identity.ts';
export {
  describeUpstream,
  type HttpUpstream,
  parseUpstream,
  type UnixUpstream,
  type UpstreamChoice,
  type UpstreamKind,
  type UpstreamSpec,
  upstreamSpec,
  type UpstreamTarget,
} from './upstream.ts';
export {
  ADMIN_PATHS,
  DEFAULT_SHIM_INSTALL_RESOURCES,
  DEFAULT_SIDECAR_IMAGE,
  DEFAULT_SIDECAR_RESOURCES,
  INJECTION,
  PORTS,
  type ResourceRequirements,
  SHIM_FLAGS,
} from './defaults.ts';
// Generic value parsers, also used by the injector's own flags so both programs report bad values the same way.
export { formatDuration, type Parsed, parseBoolean, parseChoice, parseDuration, parseInteger } from '@mcp-sidecar/cli';
