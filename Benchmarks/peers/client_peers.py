"""Per-call CPU and wall time of a Python client against the mock on loopback; one JSON line.

Usage: python client_peers.py anthropic|litellm BASE_URL create|stream CONCURRENCY CALLS
(environment: STREAM_PACING_MS=N asks the mock for N ms between stream events, as ClientBench)

CPU is `resource.getrusage(RUSAGE_SELF)` user+sys of this process only (the mock is another
process), taken around the measured calls after a warm-up, divided by the calls. Latency is the
wall time of each call (streams: until the last event was read).

- anthropic: the official SDK's `AsyncAnthropic(base_url=mock)`, `messages.create` /
  `messages.create(stream=True)` iterated to its end.
- litellm: `litellm.acompletion(model="anthropic/…", api_base=mock)` — LiteLLM's Anthropic
  provider, which POSTs the mock's `/v1/messages` — with `stream=True` iterated to its end.
"""
import asyncio
import json
import os
import resource
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")

KEY = "sk-bench-not-a-real-key"
MODEL = "claude-haiku-4-5"
PROMPT = "Benchmark prompt: reply with a short greeting."
# STREAM_PACING_MS=N: the mock pauses N ms between stream events (as ClientBench's variable).
_PACING = os.environ.get("STREAM_PACING_MS", "")
if _PACING:
    if not _PACING.isdigit() or int(_PACING) <= 0:
        sys.exit(f"STREAM_PACING_MS must be a positive integer, got {_PACING!r}")
    PROMPT = f"[[mock: slow-ms={int(_PACING)}]] " + PROMPT


def cpu_us() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1e6


def make_call(peer: str, base_url: str, stream: bool):
    messages = [{"role": "user", "content": PROMPT}]
    if peer == "anthropic":
        import anthropic

        client = anthropic.AsyncAnthropic(api_key=KEY, base_url=base_url, max_retries=0)

        async def call() -> None:
            if stream:
                events = 0
                async for _ in await client.messages.create(
                        model=MODEL, max_tokens=256, messages=messages, stream=True):
                    events += 1
                if events < 5:
                    raise RuntimeError(f"stream ended after {events} events")
            else:
                message = await client.messages.create(model=MODEL, max_tokens=256, messages=messages)
                if not message.content:
                    raise RuntimeError("empty reply")
        return call
    if peer == "litellm":
        import litellm

        litellm.telemetry = False
        litellm.suppress_debug_info = True

        async def call() -> None:
            if stream:
                chunks = 0
                response = await litellm.acompletion(
                    model="anthropic/" + MODEL, messages=messages, max_tokens=256, api_base=base_url,
                    api_key=KEY, stream=True, num_retries=0)
                async for _ in response:
                    chunks += 1
                if chunks < 2:
                    raise RuntimeError(f"stream ended after {chunks} chunks")
            else:
                response = await litellm.acompletion(
                    model="anthropic/" + MODEL, messages=messages, max_tokens=256, api_base=base_url,
                    api_key=KEY, num_retries=0)
                if not response.choices[0].message.content:
                    raise RuntimeError("empty reply")
        return call
    raise SystemExit(f"unknown peer {peer}")


async def run(call, concurrency: int, calls: int) -> list:
    per_worker = max(1, calls // concurrency)

    async def worker() -> list:
        latencies = []
        for _ in range(per_worker):
            start = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - start) * 1e6)
        return latencies

    parts = await asyncio.gather(*(worker() for _ in range(concurrency)))
    return [value for part in parts for value in part]


async def main() -> None:
    peer, base_url, mode, concurrency, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    call = make_call(peer, base_url, mode == "stream")
    await run(call, min(concurrency, 8), max(40, calls // 5))  # warm-up: imports, connections, caches
    cpu_start = cpu_us()
    wall_start = time.perf_counter()
    latencies = await run(call, concurrency, calls)
    wall = time.perf_counter() - wall_start
    cpu = cpu_us() - cpu_start
    latencies.sort()
    print(json.dumps({
        "peer": peer, "mode": mode, "concurrency": concurrency, "calls": len(latencies),
        "cpu_us_per_call": cpu / len(latencies),
        "p50_us": latencies[len(latencies) // 2],
        "p99_us": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "calls_per_s": len(latencies) / wall,
    }), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
