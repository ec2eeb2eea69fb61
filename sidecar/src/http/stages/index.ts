// The request stages, in the order every request to an MCP path passes them before its endpoint runs. To add a
// stage: a file in this folder exporting a Stage (or a function of the configuration that makes one), and its
// place in this list.

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Stage } from '../pipeline.ts';
import { callerStage } from './caller.ts';
import { identityStage, type IdentitySettings } from './identity.ts';
import { versionStage } from './version.ts';

export interface StageParts {
  readonly identity: IdentitySettings;
  /** Present when tracing is on (see tracing/start.ts). */
  readonly tracing: Stage | undefined;
}

export function requestStages(config: BridgeConfig, parts: StageParts): readonly Stage[] {
  const stages = [callerStage(config), versionStage, identityStage(parts.identity)];
  return parts.tracing ? [...stages, parts.tracing] : stages;
}
