# Sourced by profile.sh and thread-cost.sh: `mcp_session <port>` opens an MCP session on the bridge at
# 127.0.0.1:<port> (initialize, then notifications/initialized) and prints its Mcp-Session-Id.
mcp_session() {
  local url="http://127.0.0.1:$1/mcp" session
  local headers=(-H 'content-type: application/json' -H 'accept: application/json, text/event-stream')
  session=$(curl -si "${headers[@]}" "$url" -d '{"jsonrpc":"2.0","id":0,"method":"initialize",
    "params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' |
    tr -d '\r' | awk 'tolower($1) == "mcp-session-id:" { print $2 }')
  curl -sf "${headers[@]}" -H "mcp-session-id: $session" -H 'mcp-protocol-version: 2025-11-25' "$url" \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
  echo "$session"
}
