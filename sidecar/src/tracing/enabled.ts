// Whether tracing is on, from the standard OTEL_* environment alone. The spec would turn an SDK on by default and
// export to localhost:4318; for a sidecar in every pod that would cost start-up time and memory for a port nobody
// listens on, so tracing is opt-in: an OTLP endpoint, or OTEL_TRACES_EXPORTER=otlp, turns it on (README, "Tracing").
// Pure: the environment is passed in.

export type Env = Readonly<Record<string, string | undefined>>;

export function tracingEnabled(env: Env): boolean {
  const value = (key: string) => env[key]?.trim() || undefined; // spec: empty is the same as unset
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return false;
  const exporters =
    value('OTEL_TRACES_EXPORTER')
      ?.split(',')
      .map((name) => name.trim().toLowerCase()) ?? [];
  if (exporters.includes('none')) return false;
  if (exporters.includes('otlp')) return true;
  return (
    value('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined || value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined
  );
}
