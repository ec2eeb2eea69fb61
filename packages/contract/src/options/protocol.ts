// The protocol eras the bridge serves and how it speaks to the upstream (2025-11-25 sessions, 2026-07-28 stateless).

export const PROTOCOL_OPTIONS = {} as const;
