-- wrk script: POST a `tools/call` of the echo tool on ONE existing MCP session, as fast as the connections allow.
-- The runner creates the session (initialize + notifications/initialized) and passes its id in the environment
-- (MCP_SESSION_ID) or as the first script argument (`wrk ... -s mcp-call.lua URL -- <session>`); empty means
-- "no session header" (the bare ceiling has no sessions). MCP_ID_BASE (default 0) offsets the JSON-RPC ids so
-- that successive wrk runs on the same session never reuse an id.
-- Responses may be JSON or SSE; only the status matters here. done() prints one machine-readable line:
--   BENCH_JSON {"requests":..,"duration_us":..,"non2xx":..,"no_result":..,"errors":{..},"latency_us":{..}}

local threads = {}

-- Runs in wrk's main Lua state once per thread, before that thread's init().
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local prefix
local next_id
-- MCP_WIRE=2026-07-28: stateless 2026-07-28 calls instead (no session; the protocol version in the header and in
-- params._meta with the client capabilities, the method in Mcp-Method, the tool in Mcp-Name), as such a client sends.
local modern = os.getenv("MCP_WIRE") == "2026-07-28"
local META = ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
  .. '"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1"},'
  .. '"io.modelcontextprotocol/clientCapabilities":{}}'
non2xx = 0
no_result = 0

function init(args)
  local session = args[1] or os.getenv("MCP_SESSION_ID") or ""
  -- JSON-RPC ids must be unique per session: give each thread its own billion-wide range.
  next_id = (tonumber(os.getenv("MCP_ID_BASE")) or 0) + (thread_index or 0) * 1000000000 + 1
  local lines = {
    "POST " .. wrk.path .. " HTTP/1.1",
    "Host: " .. wrk.host .. ":" .. wrk.port,
    "Content-Type: application/json",
    "Accept: application/json, text/event-stream",
    modern and "MCP-Protocol-Version: 2026-07-28" or "MCP-Protocol-Version: 2025-11-25",
  }
  if modern then
    table.insert(lines, "Mcp-Method: tools/call")
    table.insert(lines, "Mcp-Name: echo")
  elseif session ~= "" then
    table.insert(lines, "Mcp-Session-Id: " .. session)
  end
  -- Built once: wrk.format() per request would rebuild every header and cost wrk CPU on a shared 2-core box.
  prefix = table.concat(lines, "\r\n") .. "\r\n"
end

function request()
  local id = next_id
  next_id = next_id + 1
  local body = '{"jsonrpc":"2.0","id":' .. id
    .. ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}' .. (modern and META or '') .. '}}'
  return prefix .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

-- wrk's own error counter only sees status > 399; the benchmark counts every non-2xx answer as a failed call.
-- A 2xx whose body carries no JSON-RPC result (an error object, an empty SSE stream) is a failed call too: a bridge
-- must not look fast by answering errors. A plain find on a ~200-byte body costs wrk next to nothing.
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
