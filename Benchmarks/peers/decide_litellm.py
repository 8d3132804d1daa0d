"""Times LiteLLM's complexity router on the shared prompt set; one JSON line per prompt.

Usage: python decide_litellm.py PROMPTS.json [SAMPLES]

What is measured: `ComplexityRouter.classify(prompt)` from
`litellm.router_strategy.complexity_router` with its default configuration — the rule-based,
local scorer (7 weighted dimensions -> SIMPLE/MEDIUM/COMPLEX/REASONING). It needs no embedding
model and makes no network call; it is the decision step that `auto_router/complexity_router`
runs before picking the tier's deployment. The litellm Router instance it is attached to is a
stand-in (`MagicMock`), exactly as LiteLLM's own eval suite does, because `classify` never
touches it.
"""
import json
import os
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of the price map at import
os.environ.setdefault("LITELLM_TELEMETRY", "False")

from unittest.mock import MagicMock  # noqa: E402

from litellm.router_strategy.complexity_router.complexity_router import ComplexityRouter  # noqa: E402


def main() -> None:
    prompts = json.load(open(sys.argv[1], encoding="utf-8"))
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    router = ComplexityRouter(model_name="bench-router", litellm_router_instance=MagicMock())
    for entry in prompts:
        text = entry["text"]
        for _ in range(5):  # warm-up (regex caches, allocator)
            router.classify(text)
        times = []
        tier = None
        # Bounded: at most `samples`, and stop after ~8 s per prompt (the 20,000-token prompt
        # takes a large fraction of a second per call here); at least 20 samples.
        deadline = time.perf_counter() + 8.0
        for index in range(samples):
            if index >= 20 and time.perf_counter() > deadline:
                break
            start = time.perf_counter_ns()
            tier, _score, _signals = router.classify(text)
            times.append((time.perf_counter_ns() - start) / 1000)
        times.sort()
        print(json.dumps({
            "prompt": entry["name"], "chars": len(text.encode()), "samples": len(times),
            "median_us": times[len(times) // 2],
            "p99_us": times[min(len(times) - 1, int(len(times) * 0.99))],
            "tier": str(getattr(tier, "value", tier)),
        }), flush=True)


if __name__ == "__main__":
    main()
