// What the pure core needs to know about the injector's own configuration (flags), as one frozen object.

import { DEFAULT_SIDECAR_IMAGE } from '@mcp-sidecar/contract';

import { INJECTOR_VERSION } from '../version.ts';

export const SIDECAR_MODES = ['native', 'classic'] as const;
export type SidecarMode = (typeof SIDECAR_MODES)[number];

export const FAILURE_MODES = ['open', 'closed'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export interface InjectorConfig {
  /** Bridge image when the pod sets no mcp.io/sidecar-image. */
  readonly sidecarImage: string;
  /** Layout when the pod sets no mcp.io/native-sidecar. */
  readonly sidecarMode: SidecarMode;
  /** What an internal error does to the pod: admitted without injection (open) or denied (closed). */
  readonly failureMode: FailureMode;
  /** Written into mcp.io/status. */
  readonly version: string;
}

export const DEFAULT_CONFIG: InjectorConfig = Object.freeze({
  sidecarImage: DEFAULT_SIDECAR_IMAGE,
  sidecarMode: 'native',
  failureMode: 'closed',
  version: INJECTOR_VERSION,
});

export function injectorConfig(overrides: Partial<InjectorConfig> = {}): InjectorConfig {
  return Object.freeze({ ...DEFAULT_CONFIG, ...overrides });
}
