// Reads every configuration annotation of a pod through the contract's parsers. All invalid annotations are reported
// at once, so a user fixes them in one round trip instead of one denial per annotation.

import {
  ANNOTATIONS,
  type AuthMode,
  type ConfigMapKey,
  DEFAULT_SIDECAR_RESOURCES,
  type HttpUpstream,
  type Parsed,
  PORTS,
  readAnnotation,
  type ResourceRequirements,
  type SessionMode,
  type TlsClientAuth,
  type WarmupCall,
} from '@mcp-sidecar/contract';

import type { InjectorConfig, SidecarMode } from './config.ts';

export interface PodSettings {
  /** mcp.io/container, when set. */
  readonly container: string | undefined;
  /** mcp.io/command, when set. */
  readonly command: readonly string[] | undefined;
  /** mcp.io/upstream when it names an HTTP endpoint in the pod; undefined for stdio (through mcp-shim). */
  readonly http: HttpUpstream | undefined;
  /** mcp.io/pty: the shim runs the server on a pseudo-terminal. */
  readonly pty: boolean;
  readonly port: number;
  /** Passed to the bridge only when annotated. */
  readonly sessionMode: SessionMode | undefined;
  readonly warmup: readonly WarmupCall[] | undefined;
  readonly image: string;
  readonly resources: ResourceRequirements;
  readonly mode: SidecarMode;
  /** Where the layout came from, so a denial can name the right fix. */
  readonly modeSource: 'annotation' | 'config';
  readonly identity: IdentitySettings;
}

/** Identity, access and tracing annotations; each undefined when not set (identity.ts renders them). */
export interface IdentitySettings {
  readonly tlsSecret: string | undefined;
  readonly tlsClientAuth: TlsClientAuth | undefined;
  readonly auth: AuthMode | undefined;
  readonly authSecret: string | undefined;
  readonly jwtJwks: string | undefined;
  readonly jwtIssuer: string | undefined;
  readonly jwtAudience: string | undefined;
  readonly policy: ConfigMapKey | undefined;
  readonly otelEndpoint: string | undefined;
}

type Read = <T>(parsed: Parsed<T> | undefined) => T | undefined;
type Annotations = Readonly<Record<string, string>>;

function readIdentity(annotations: Annotations, value: Read): IdentitySettings {
  return {
    tlsSecret: value(readAnnotation(annotations, 'tlsSecret')),
    tlsClientAuth: value(readAnnotation(annotations, 'tlsClientAuth')),
    auth: value(readAnnotation(annotations, 'auth')),
    authSecret: value(readAnnotation(annotations, 'authSecret')),
    jwtJwks: value(readAnnotation(annotations, 'jwtJwks')),
    jwtIssuer: value(readAnnotation(annotations, 'jwtIssuer')),
    jwtAudience: value(readAnnotation(annotations, 'jwtAudience')),
    policy: value(readAnnotation(annotations, 'policyConfigMap')),
    otelEndpoint: value(readAnnotation(annotations, 'otelEndpoint')),
  };
}

export type SettingsResult =
  { readonly ok: true; readonly settings: PodSettings } | { readonly ok: false; readonly message: string };

export function readSettings(annotations: Annotations, config: InjectorConfig): SettingsResult {
  const problems: string[] = [];
  const value: Read = <T>(parsed: Parsed<T> | undefined): T | undefined => {
    if (parsed?.ok === false) problems.push(parsed.error);
    return parsed?.ok ? parsed.value : undefined;
  };
  const upstream = value(readAnnotation(annotations, 'upstream'));
  const http = upstream === undefined || upstream === 'stdio' ? undefined : upstream;
  const pty = value(readAnnotation(annotations, 'pty')) ?? false;
  const native = value(readAnnotation(annotations, 'nativeSidecar'));
  const settings: PodSettings = {
    container: value(readAnnotation(annotations, 'container')),
    command: value(readAnnotation(annotations, 'command')),
    http,
    pty,
    port: value(readAnnotation(annotations, 'port')) ?? PORTS.mcp,
    sessionMode: value(readAnnotation(annotations, 'sessionMode')),
    warmup: value(readAnnotation(annotations, 'warmup')),
    image: value(readAnnotation(annotations, 'sidecarImage')) ?? config.sidecarImage,
    resources: value(readAnnotation(annotations, 'sidecarResources')) ?? DEFAULT_SIDECAR_RESOURCES,
    mode: native === undefined ? config.sidecarMode : native ? 'native' : 'classic',
    modeSource: native === undefined ? 'config' : 'annotation',
    identity: readIdentity(annotations, value),
  };
  problems.push(...conflicts(settings));
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, settings };
}

/** Annotations that are valid alone but not together. */
function conflicts(settings: PodSettings): string[] {
  if (!settings.http) return [];
  const found: string[] = [];
  if (settings.pty) {
    found.push(
      `annotation ${ANNOTATIONS.pty} applies to stdio servers, and ${ANNOTATIONS.upstream} names an HTTP server. Fix: remove one of them`,
    );
  }
  if (Number(new URL(settings.http.url).port || 80) === settings.port) {
    found.push(
      `annotation ${ANNOTATIONS.upstream} names port ${settings.port}, which the bridge itself listens on. Fix: set ${ANNOTATIONS.port} to another port`,
    );
  }
  return found;
}
