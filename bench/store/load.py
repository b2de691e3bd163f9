#!/usr/bin/env python3
"""bench/store/load.py PORT JOB_ID [STREAMS [TIMEOUT_S]] — while a job runs:
STREAMS Server-Sent Event streams on /v1/jobs/JOB_ID/events (each read to
its `done` event) and GET /healthz every 20 ms on one keep-alive
connection. Prints one JSON object: the /healthz latencies (p50, p99,
max, count), events received, and when the job ended. Loopback only."""
import asyncio
import json
import sys
import time

HOST = "127.0.0.1"


async def sse(port, job_id, stats):
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(("GET /v1/jobs/%s/events HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n\r\n"
                  % (job_id, HOST, port)).encode())
    await writer.drain()
    while True:
        line = await reader.readline()
        if not line:
            break
        if line.startswith(b"event: progress"):
            stats["progress"] += 1
        elif line.startswith(b"event: done"):
            stats["done_streams"] += 1
            stats["ended"] = time.monotonic()
            break
    writer.close()


async def healthz(port, latencies, stop):
    reader, writer = await asyncio.open_connection(HOST, port)
    request = ("GET /healthz HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (HOST, port)).encode()
    while not stop.is_set():
        t0 = time.monotonic()
        writer.write(request)
        await writer.drain()
        length = 0
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
            if line == b"\r\n":
                break
        await reader.readexactly(length)
        latencies.append(time.monotonic() - t0)
        await asyncio.sleep(0.02)
    writer.close()


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


async def main():
    port, job_id = int(sys.argv[1]), sys.argv[2]
    streams = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 1800
    stats = {"progress": 0, "done_streams": 0, "ended": None}
    latencies, stop = [], asyncio.Event()
    t0 = time.monotonic()
    probe = asyncio.create_task(healthz(port, latencies, stop))
    tasks = [asyncio.create_task(sse(port, job_id, stats)) for _ in range(streams)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    except asyncio.TimeoutError:
        pass
    stop.set()
    await asyncio.wait_for(probe, 10)
    ms = [x * 1000 for x in latencies]
    print(json.dumps({
        "streams": streams, "streams_done": stats["done_streams"], "progress_events": stats["progress"],
        "seconds": round((stats["ended"] or time.monotonic()) - t0, 2),
        "healthz": {"count": len(ms), "p50_ms": round(pct(ms, 50), 2), "p99_ms": round(pct(ms, 99), 2),
                    "max_ms": round(max(ms), 2)},
    }))


asyncio.run(main())
