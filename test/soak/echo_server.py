# A stdio MCP server for the soak (test/soak/run.ts): newline-delimited JSON-RPC, standard library only, so that
# per-session mode can start 10,000 of them without the soak measuring Node's start-up instead of the bridge.
# Answers initialize, ping, tools/list and tools/call of `echo`; exits at the end of stdin.
import json
import sys

SUPPORTED = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}
ECHO = {"name": "echo", "inputSchema": {"type": "object", "properties": {"message": {"type": "string"}}}}


def answer(message):
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        asked = params.get("protocolVersion")
        version = asked if asked in SUPPORTED else "2025-11-25"
        info = {"name": "soak-echo", "version": "1.0.0"}
        return {"result": {"protocolVersion": version, "capabilities": {"tools": {}}, "serverInfo": info}}
    if method == "ping":
        return {"result": {}}
    if method == "tools/list":
        return {"result": {"tools": [ECHO]}}
    if method == "tools/call":
        text = str((params.get("arguments") or {}).get("message", ""))
        return {"result": {"content": [{"type": "text", "text": text}]}}
    return {"error": {"code": -32601, "message": "no " + str(method)}}


for line in sys.stdin:
    if not line.strip():
        continue
    message = json.loads(line)
    if "id" not in message or "method" not in message:
        continue
    reply = {"jsonrpc": "2.0", "id": message["id"], **answer(message)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
