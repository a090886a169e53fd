"""Drives WikiMind's MCP server with the official MCP Python SDK (PyPI `mcp`), so the server is
checked by a client that is not our own code.

    python3 mcp_client.py PLAN_JSON

PLAN_JSON: {"server": {"url": ..., "token": ...} | {"command": ..., "args": [...], "env": {...}},
            "mode": "auto" | "legacy",
            "steps": [{"call": tool, "args": {...}} | {"read": uri} | {"list_resources": cursor}]}

Prints one JSON object: the server's name, its tools, and one entry per step. A protocol error
in a step is recorded (as {"error": ...}), not raised, so the test sees every step.
"""

import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


def server_of(spec):
    if "url" in spec:
        headers = {"Authorization": f"Bearer {spec['token']}"} if spec.get("token") else {}
        # trust_env=False: the server is on loopback, never behind a proxy from the environment.
        http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120.0), trust_env=False)
        return streamable_http_client(spec["url"], http_client=http)
    return StdioServerParameters(command=spec["command"], args=spec["args"], env=spec["env"])


def text_of(content):
    return "".join(block.text for block in content if getattr(block, "type", None) == "text")


async def step(client, s):
    try:
        if "call" in s:
            r = await client.call_tool(s["call"], s.get("args", {}))
            return {
                "is_error": bool(r.is_error),
                "text": text_of(r.content),
                "structured": r.structured_content,
            }
        if "read" in s:
            r = await client.read_resource(s["read"])
            return {"contents": [{"uri": c.uri, "mime_type": c.mime_type, "text": c.text} for c in r.contents]}
        if "list_resources" in s:
            r = await client.list_resources(cursor=s["list_resources"], cache_mode="bypass")
            return {"uris": [x.uri for x in r.resources], "next_cursor": r.next_cursor}
    except MCPError as e:
        return {"error": str(e), "code": e.error.code}
    raise ValueError(f"unknown step {s}")


async def main(plan):
    async with Client(server_of(plan["server"]), mode=plan.get("mode", "auto")) as client:
        tools = await client.list_tools()
        templates = await client.list_resource_templates()
        out = {
            "server": client.server_info.name if client.server_info else None,
            "protocol": client.protocol_version,
            "tools": sorted(t.name for t in tools.tools),
            "templates": [t.uri_template for t in templates.resource_templates],
            "steps": [],
        }
        for s in plan["steps"]:
            out["steps"].append(await step(client, s))
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
