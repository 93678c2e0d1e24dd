"""The limit for fan-out: a bare `websockets` server relaying each frame from /publish to every other socket.

Run as `python -m tests.bench.raw_broadcast PORT`; bench_websockets.py measures it beside daphne.
"""

import asyncio
import sys

from websockets.asyncio.server import broadcast, serve


async def main(port: int) -> None:
    dashboards = set()

    async def handler(socket):
        if socket.request.path == "/publish":
            async for frame in socket:
                broadcast(dashboards, frame)
            return
        dashboards.add(socket)
        try:
            await socket.wait_closed()
        finally:
            dashboards.discard(socket)

    async with serve(handler, "127.0.0.1", port) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
