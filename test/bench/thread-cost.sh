#!/usr/bin/env bash
# CPU per call of each of the bridge's threads, plain against traced (100 % sampling to a local OTLP sink), in
# alternating runs. The bridge (all its threads) is pinned to CPU 1; wrk, the echo server and the sink to CPU 0, so
# the load generator does not take the bridge's CPU. Thread CPU comes from /proc/<pid>/task/*/stat. Slow spells of a
# noisy VM still show: compare runs next to each other, and repeat.
# Usage: npm run bench:threads [-- runs [seconds]]   (default 3 pairs of 5 s runs; needs taskset, wrk, curl, 2 CPUs)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}" seconds="${2:-5}"
port=18490 admin=18491 sink_port=18492
out="$(mktemp -d /tmp/mcp-sidecar-thread-cost-XXXXXX)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# The OTLP sink: answers every export with 200 and discards it, as test/bench/extras.ts does.
taskset -c 0 node -e "require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.end()); })
  .listen($sink_port, '127.0.0.1')" &
pids+=($!)

# shellcheck source=mcp-session.sh
source test/bench/mcp-session.sh
load() { MCP_SESSION_ID="$1" taskset -c 0 wrk -t2 -c16 -d"$2s" -s test/bench/mcp-call.lua "http://127.0.0.1:$port/mcp"; }
# "<thread name> <CPU ticks>" for every thread of the process.
threads() { for t in /proc/"$1"/task/*; do echo "$(tr ' ' _ <"$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")"; done; }

one_run() {
  local mode=$1 env=()
  [ "$mode" = traced ] && env=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=always_on)
  env "${env[@]}" taskset -c 1 node sidecar/dist/main.js --port "$port" --admin-port "$admin" --log-level warn \
    -- taskset -c 0 node test/bench/echo-server.ts >>"$out/bridge-$mode.log" 2>&1 &
  local bridge=$!
  pids+=("$bridge")
  until curl -sf "http://127.0.0.1:$admin/readyz" >/dev/null; do sleep 0.2; done
  local session
  session=$(mcp_session "$port")
  load "$session" 2 >/dev/null # warm-up
  threads "$bridge" >"$out/before"
  local calls
  calls=$(load "$session" "$seconds" | awk '/requests in/ { print $1 }')
  threads "$bridge" >"$out/after"
  kill "$bridge" && wait "$bridge" 2>/dev/null || true
  # Threads by name (V8's GC helpers are several "V8Worker"s; the sender thread is "WorkerThread"), µs per call.
  paste "$out/before" "$out/after" | awk -v mode="$mode" -v calls="$calls" -v s="$seconds" '
    $1 == $3 { cpu[$1] += ($4 - $2) * 1e4 / calls; total += ($4 - $2) * 1e4 / calls }
    END {
      printf "%-7s %6d calls/s  µs/call: main %5.1f  sender %4.1f  GC helpers %4.1f  all %5.1f\n", mode, calls / s,
        cpu["MainThread"], cpu["WorkerThread"], cpu["V8Worker"], total
    }'
}

echo "bridge on CPU 1; wrk -t2 -c16, echo server and OTLP sink on CPU 0; $runs pairs of ${seconds} s runs"
for _ in $(seq "$runs"); do
  one_run plain
  one_run traced
done
# A traced run that failed to export or dropped spans did less work than it should: say so.
problems=$(grep -c 'tracing: ' "$out/bridge-traced.log" || true)
echo "tracing warnings in the traced runs' logs: $problems; logs: $out"
