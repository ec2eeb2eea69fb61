// --trusted-proxies as a matcher of TCP peer addresses (the blocks were validated when the options were parsed).

import { addressBytes, type Cidr, cidrContains, parseCidr } from '@mcp-sidecar/contract';

export type AddressMatcher = (address: string | undefined) => boolean;

const NOBODY: AddressMatcher = () => false;

export function addressMatcher(blocks: readonly string[]): AddressMatcher {
  const cidrs = blocks.flatMap((block): Cidr[] => {
    const parsed = parseCidr(block);
    return parsed.ok ? [parsed.value] : [];
  });
  if (cidrs.length === 0) return NOBODY;
  // A keep-alive connection asks for every request: remember the answer per address string.
  const seen = new Map<string, boolean>();
  return (address) => {
    if (address === undefined) return false;
    let trusted = seen.get(address);
    if (trusted === undefined) {
      const bytes = addressBytes(address);
      trusted = bytes !== undefined && cidrs.some((cidr) => cidrContains(cidr, bytes));
      if (seen.size < 1024) seen.set(address, trusted);
    }
    return trusted;
  };
}
