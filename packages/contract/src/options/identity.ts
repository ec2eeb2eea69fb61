// Who may call the bridge and how it knows: TLS, trusted proxies, tokens, access policy (see sidecar/src/identity).

export const IDENTITY_OPTIONS = {} as const;
