-- wrk script: POST a 2026-07-28 `tools/call` of the echo tool, stateless, as fast as the connections allow. No
-- session: every request carries the protocol version in MCP-Protocol-Version and in params._meta (with the client
-- capabilities), the method in Mcp-Method and the tool in Mcp-Name, as a 2026-07-28 client sends them.
-- Ids need no per-session uniqueness here, but stay distinct as in mcp-call.lua (MCP_ID_BASE, thread ranges).
-- done() prints the same BENCH_JSON line as mcp-call.lua.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local prefix
local next_id
non2xx = 0
no_result = 0

local META = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
  .. '"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1"},'
  .. '"io.modelcontextprotocol/clientCapabilities":{}}'

function init(args)
  next_id = (tonumber(os.getenv("MCP_ID_BASE")) or 0) + (thread_index or 0) * 1000000000 + 1
  local lines = {
    "POST " .. wrk.path .. " HTTP/1.1",
    "Host: " .. wrk.host .. ":" .. wrk.port,
    "Content-Type: application/json",
    "Accept: application/json, text/event-stream",
    "MCP-Protocol-Version: 2026-07-28",
    "Mcp-Method: tools/call",
    "Mcp-Name: echo",
  }
  prefix = table.concat(lines, "\r\n") .. "\r\n"
end

function request()
  local id = next_id
  next_id = next_id + 1
  local body = '{"jsonrpc":"2.0","id":' .. id
    .. ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"},' .. META .. '}}'
  return prefix .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif not (body and string.find(body, '"result"', 1, true)) then
    no_result = no_result + 1
  end
end

function done(summary, latency, requests)
  local failed, empty = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("non2xx") or 0)
    empty = empty + (thread:get("no_result") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"no_result":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f,"max":%d}}\n',
    summary.requests, summary.duration, failed, empty,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
end
