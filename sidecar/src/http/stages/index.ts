// The request stages, in the order every request to an MCP path passes them before its endpoint runs. To add a
// stage: a file in this folder exporting a Stage (or a function of the configuration that makes one), and its
// place in this list.

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Stage } from '../pipeline.ts';
import { callerStage } from './caller.ts';
import { identityStage, type IdentitySettings } from './identity.ts';
import { versionStage } from './version.ts';

export interface StageParts {
  /** Present when an identity option is set (see identity/setup.ts); without, every caller is anonymous. */
  readonly identity?: IdentitySettings;
  /** Present when tracing is on (see tracing/start.ts). */
  readonly tracing?: Stage;
}

/** Stages that a configuration does not need are not in the list, so they cost nothing per request. */
export function requestStages(config: BridgeConfig, parts: StageParts = {}): readonly Stage[] {
  return [
    callerStage(config),
    versionStage,
    ...(parts.identity ? [identityStage(parts.identity)] : []),
    ...(parts.tracing ? [parts.tracing] : []),
  ];
}
