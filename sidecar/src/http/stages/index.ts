// The request stages, in the order every request to an MCP path passes them before its endpoint runs. To add a
// stage: a file in this folder exporting a Stage (or a function of the configuration that makes one), and its
// place in this list.

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Stage } from '../pipeline.ts';
import { callerStage } from './caller.ts';
import { versionStage } from './version.ts';

export function requestStages(config: BridgeConfig): readonly Stage[] {
  return [callerStage(config), versionStage];
}
