// Limits and timeouts that keep one misbehaving client or server from costing the pod more than its share (README: Limits and timeouts, generated from the options with group 'limits').

export const LIMIT_OPTIONS = {} as const;
