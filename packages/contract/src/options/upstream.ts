// How the upstream server is run or reached, besides --upstream and the command after --.

export const UPSTREAM_OPTIONS = {} as const;
