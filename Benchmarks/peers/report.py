"""Turns run-all.sh's raw results into the markdown table (standard library only).

Usage: python3 report.py RESULTS.jsonl CLIENTBENCH.txt REPS "PEER VERSIONS"
Every figure is the median over the repetitions of that figure (each repetition already being
a median or a per-call mean over many calls); ratios are ratios of those medians.
"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(a, b):
    return f"{a / b:.1f}×" if a is not None and b else "n/a"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1048576:.1f} GiB RAM"
                break
    except OSError:
        pass
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    swift_version = swift[0] if swift else "swift ?"
    return (f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} cores "
            f"({cpu}){memory}; {swift_version}; Python {platform.python_version()}")


def main() -> None:
    results_path, clientbench_path, reps, versions = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rows = [json.loads(line) for line in open(results_path, encoding="utf-8") if line.startswith("{")]
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)

    out = []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.append(f"## claude-router vs peers — {now}")
    out.append("")
    out.append(f"Machine: {machine()}. Peers: {versions}.  ")
    out.append(f"Command: `bash Benchmarks/run-all.sh` (release builds; {reps} repetitions; every figure is the "
               "median over the repetitions; mock = `MockAnthropicServer` in its own process on 127.0.0.1).")
    out.append("")
    goals = []

    # 1. Routing decision.
    out.append("### 1. Routing decision (time per decision, same prompts)")
    out.append("")
    out.append("| prompt | ours median µs | ours p99 µs | LiteLLM median µs | LiteLLM p99 µs | peer/ours median | peer/ours p99 |")
    out.append("|---|---|---|---|---|---|---|")
    decide = by_kind.get("decide", [])
    worst = None
    for name in [r["prompt"] for r in decide if r["who"] == "ours" and r["rep"] == 1]:
        ours = [r for r in decide if r["who"] == "ours" and r["prompt"] == name]
        peer = [r for r in decide if r["who"] == "litellm" and r["prompt"] == name]
        om, op = median([r["median_us"] for r in ours]), median([r["p99_us"] for r in ours])
        pm, pp = median([r["median_us"] for r in peer]), median([r["p99_us"] for r in peer])
        out.append(f"| {name} | {fmt(om, 2)} | {fmt(op, 2)} | {fmt(pm, 2)} | {fmt(pp, 2)} | **{ratio(pm, om)}** | {ratio(pp, op)} |")
        if om and pm:
            worst = pm / om if worst is None else min(worst, pm / om)
    goals.append(("Decisions ≥ 100× faster than LiteLLM's complexity router (median, every prompt)",
                  f"worst prompt {worst:.1f}×" if worst else "n/a", worst is not None and worst >= 100))
    out.append("")

    # 2. Client overhead.
    bench = {}
    for line in open(clientbench_path, encoding="utf-8") if os.path.exists(clientbench_path) else []:
        parts = line.split()
        rep = int(parts[1])
        cells = [c.strip().strip("*") for c in line.split("|")[1:-1]]
        call, conc = cells[0], int(cells[1])
        bench.setdefault((call, conc), []).append({
            "ours_cpu": float(cells[3]), "floor_cpu": float(cells[4]),
            "ours_p50": float(cells[6]) * 1000, "floor_p50": float(cells[7]) * 1000,
            "ours_p99": float(cells[9]) * 1000, "floor_p99": float(cells[10]) * 1000, "rep": rep})
    clients = by_kind.get("client", [])
    out.append("### 2. Client overhead per call (CPU of the client process only; wall time per call)")
    out.append("")
    out.append("| call | conc | ClaudeClient CPU µs | libcurl floor CPU µs | anthropic SDK CPU µs | LiteLLM CPU µs "
               "| ours/floor | SDK/ours | LiteLLM/ours | wall p50 ms: ours / floor / SDK / LiteLLM |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    worst_sdk, worst_floor = None, None
    for call, mode in [("create", "create"), ("stream", "stream")]:
        for conc in (1, 64):
            ours = bench.get((call, conc), [])
            oc, fc = median([r["ours_cpu"] for r in ours]), median([r["floor_cpu"] for r in ours])
            op, fp = median([r["ours_p50"] for r in ours]), median([r["floor_p50"] for r in ours])
            sdk = [r for r in clients if r["peer"] == "anthropic" and r["mode"] == mode and r["concurrency"] == conc]
            lit = [r for r in clients if r["peer"] == "litellm" and r["mode"] == mode and r["concurrency"] == conc]
            sc, lc = median([r["cpu_us_per_call"] for r in sdk]), median([r["cpu_us_per_call"] for r in lit])
            sp, lp = median([r["p50_us"] for r in sdk]), median([r["p50_us"] for r in lit])
            walls = " / ".join(fmt(v / 1000 if v else None, 3) for v in (op, fp, sp, lp))
            out.append(f"| {call} | {conc} | {fmt(oc)} | {fmt(fc)} | {fmt(sc)} | {fmt(lc)} | **{ratio(oc, fc)}** "
                       f"| **{ratio(sc, oc)}** | {ratio(lc, oc)} | {walls} |")
            if oc and sc:
                worst_sdk = sc / oc if worst_sdk is None else min(worst_sdk, sc / oc)
            if oc and fc:
                worst_floor = oc / fc if worst_floor is None else max(worst_floor, oc / fc)
    goals.append(("Client CPU per call ≥ 10× lower than the official Python SDK (every row)",
                  f"worst row {worst_sdk:.1f}×" if worst_sdk else "n/a", worst_sdk is not None and worst_sdk >= 10))
    goals.append(("Client CPU per call within 1.5× of raw libcurl (every row)",
                  f"worst row {worst_floor:.1f}×" if worst_floor else "n/a", worst_floor is not None and worst_floor <= 1.5))
    out.append("")

    # 3. Concurrency.
    streams = by_kind.get("streams", [])
    mocks = by_kind.get("mock-streams", [])
    out.append("### 3. Concurrent streamed calls with ClaudeClient")
    out.append("")
    out.append("| streams started at once | completed (worst rep) | threads peak (process) | threads before the client | "
               "threads added by ClaudeClient | peak RSS MiB | sockets peak | connections (mock) | max in flight at mock | wall s |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    if streams:
        threads = median([r["threads_peak"] for r in streams])
        out.append(
            f"| {streams[0]['streams']} | {min(r['completed'] for r in streams)} | {fmt(threads, 0)} (max {max(r['threads_peak'] for r in streams)}) "
            f"| {fmt(median([r['threads_before_client'] for r in streams]), 0)} "
            f"| {fmt(median([r['threads_peak'] - r['threads_before_client'] for r in streams]), 0)} "
            f"| {fmt(median([r['peak_rss_kib'] / 1024 for r in streams]))} "
            f"| {fmt(median([r['sockets_peak'] for r in streams]), 0)} | {fmt(median([r.get('mock_connections') for r in mocks]), 0)} "
            f"| {fmt(median([r.get('mock_max_concurrent') for r in mocks]), 0)} | {fmt(median([r['wall_s'] for r in streams]), 2)} |")
        top = max(r["threads_peak"] for r in streams)
        all_done = all(r["completed"] == r["streams"] for r in streams)
        added = max(r["threads_peak"] - r["threads_before_client"] for r in streams)
        goals.append((f"{streams[0]['streams']} concurrent streams on ≤ 4 threads, all completed",
                      f"peak {top} threads in the whole process ({added} added by ClaudeClient), "
                      f"{'all' if all_done else 'NOT all'} completed",
                      top <= 4 and all_done))
    out.append("")
    out.append("Threads before the client: the main thread, Swift's cooperative pool and dispatch workers of a bare "
               "async executable. ClaudeClient caps connections per host at 32 (libcurl "
               "`CURLMOPT_MAX_HOST_CONNECTIONS`), so the 1,000 streams share 32 connections and the rest wait "
               "inside libcurl; each reply is held 50 ms by the mock so the streams overlap.")
    out.append("")

    # 4. Ledger.
    ledger = by_kind.get("ledger", [])
    out.append("### 4. SQLiteLedger")
    out.append("")
    out.append("| mode | concurrent writers | records/s | `record` p50 µs | `record` p99 µs |")
    out.append("|---|---|---|---|---|")
    for mode in ("durable", "batched"):
        for writers in (1, 64):
            part = [r for r in ledger if r["mode"] == mode and r["writers"] == writers]
            if part:
                out.append(f"| {mode} | {writers} | {fmt(median([r['records_per_s'] for r in part]), 0)} "
                           f"| {fmt(median([r['record_p50_us'] for r in part]))} | {fmt(median([r['record_p99_us'] for r in part]))} |")
    out.append("")

    out.append("### Goals")
    out.append("")
    out.append("| goal | measured | met |")
    out.append("|---|---|---|")
    for goal, measured, met in goals:
        out.append(f"| {goal} | {measured} | {'yes' if met else '**no**'} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
