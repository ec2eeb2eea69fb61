#!/usr/bin/env bash
# Profile the bridge's hot path: the compiled bridge (shared mode) in front of the echo server, one session,
# wrk with 16 connections for DURATION seconds (default 10), then a per-call breakdown of the main thread's time.
# Usage: npm run build && test/bench/profile.sh [duration]     (needs Node 24 first on PATH, and wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-10}"
out="$(mktemp -d /tmp/mcp-sidecar-profile-XXXXXX)"
port=18480 admin=18481
node --cpu-prof --cpu-prof-dir="$out" sidecar/dist/main.js --port "$port" --admin-port "$admin" --log-level warn \
  -- node test/bench/echo-server.ts >"$out/bridge.log" 2>&1 &
bridge=$!
trap 'kill "$bridge" 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$admin/readyz" >/dev/null; do sleep 0.2; done

# shellcheck source=mcp-session.sh
source test/bench/mcp-session.sh
session=$(mcp_session "$port")

MCP_SESSION_ID="$session" wrk -t2 -c16 -d"${duration}s" -s test/bench/mcp-call.lua "http://127.0.0.1:$port/mcp" |
  tee "$out/wrk.txt" | grep -E 'Requests/sec|Latency'
calls=$(awk '/requests in/ { print $1 }' "$out/wrk.txt")
kill -TERM "$bridge" && wait "$bridge" || true
node test/bench/profile-summary.ts "$out"/*.cpuprofile "$calls"
echo "profile and logs: $out"
