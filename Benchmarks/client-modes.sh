#!/usr/bin/env bash
# Runs ClientBench REPS times in each way of calling the client, alternating them so load on a
# shared machine falls on all alike, and prints the median of each row's CPU per call (ours and
# the raw-libcurl floor of the same run) and of the ratio.
#
# usage: bash Benchmarks/client-modes.sh [REPS [CALLS [MODES]]]
#   REPS   repetitions per mode (default 5); CALLS per sequential row (default 2000; the rows at
#          concurrency 64 run 3x that, rounded down to a multiple of 64). The SDK rows always run
#          300 calls at concurrency 1 and 640 at 64, whatever CALLS is.
#   MODES  space-separated list of EVENT_LOOP:TASK_EXECUTOR pairs
#          (default "dedicated:default dedicated:client shared:default")
#   PEER_PYTHON=/path/to/venv/bin/python in the environment (a venv with `anthropic`) also runs
#   the official Python SDK (peers/client_peers.py) each repetition, against ConcurrencyBench's
#   mock in its own process, and prints the SDK's CPU per call next to ours and the floor's
#   (SDK / floor bounds SDK / ours, as a client costs at least the floor: ≥ 10x below the SDK
#   needs ours ≤ floor x (SDK / floor) / 10).
#   STREAM_PACING_MS=N in the environment paces the mock's stream events N ms apart for all
#   three (ClientBench's and client_peers.py's variable; the stream rows then take ~20 ms a call).
# Needs release builds of the Benchmarks package: swift build -c release --package-path Benchmarks
# (ClientBench starts MockServerMain and curl-floor from its own folder; PEER_PYTHON also needs
# ConcurrencyBench).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$here/.build/release/ClientBench"
reps="${1:-5}"
calls="${2:-2000}"
modes="${3:-dedicated:default dedicated:client shared:default}"
[ -x "$bench" ] || { echo "client-modes.sh: build ClientBench first (see the usage line)" >&2; exit 2; }
if [ -n "${STREAM_PACING_MS:-}" ]; then
    case "$STREAM_PACING_MS" in
        *[!0-9]*) pacing_ok=false ;;
        *) [ "$((10#$STREAM_PACING_MS))" -gt 0 ] && pacing_ok=true || pacing_ok=false ;;
    esac
    $pacing_ok || { echo "client-modes.sh: STREAM_PACING_MS must be a positive integer, got '$STREAM_PACING_MS'" >&2; exit 2; }
fi
out="$(mktemp -d)"
mock_pid=""
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null
    rm -rf "$out"
}
trap cleanup EXIT
peer_url=""
if [ -n "${PEER_PYTHON:-}" ]; then
    # The mock ends when its stdin closes: hold it open with a fifo for the whole run.
    mkfifo "$out/mock.in"
    "$here/.build/release/ConcurrencyBench" mock <"$out/mock.in" >"$out/mock.out" 2>&1 &
    mock_pid=$!
    exec 3>"$out/mock.in"
    for _ in $(seq 1 100); do grep -q '^PORT ' "$out/mock.out" 2>/dev/null && break; sleep 0.1; done
    peer_url="http://127.0.0.1:$(sed -n 's/^PORT //p' "$out/mock.out" | head -1)"
fi

for rep in $(seq 1 "$reps"); do
    for mode in $modes; do
        loop="${mode%%:*}"
        executor="${mode##*:}"
        echo "rep $rep/$reps: EVENT_LOOP=$loop TASK_EXECUTOR=$executor (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        if ! EVENT_LOOP="$loop" TASK_EXECUTOR="$executor" "$bench" "$calls" >"$out/run.out" 2>"$out/run.err"; then
            echo "client-modes.sh: ClientBench failed:" >&2
            cat "$out/run.err" >&2
            exit 1
        fi
        grep -E '^\| (create|stream) \|' "$out/run.out" >>"$out/$mode.rows"
    done
    if [ -n "$peer_url" ]; then
        for row in "create 1 300" "create 64 640" "stream 1 300" "stream 64 640"; do
            set -- $row
            echo "rep $rep/$reps: anthropic SDK $1 x$2" >&2
            "$PEER_PYTHON" "$here/peers/client_peers.py" anthropic "$peer_url" "$1" "$2" "$3" \
                | sed "s/^/$1 $2 /" >>"$out/sdk.rows"
        done
    fi
done

python3 - "$out" $modes <<'EOF'
import json, statistics, sys, os
out, modes = sys.argv[1], sys.argv[2:]
sdk = {}
if os.path.exists(os.path.join(out, "sdk.rows")):
    for line in open(os.path.join(out, "sdk.rows")):
        call, conc, payload = line.split(" ", 2)
        sdk.setdefault((call, int(conc)), []).append(json.loads(payload)["cpu_us_per_call"])
pacing = os.environ.get("STREAM_PACING_MS", "")
print(f"stream events {pacing} ms apart (STREAM_PACING_MS)" if pacing else "stream events back to back (no STREAM_PACING_MS)")
print("")
print("| call | conc | mode (event loop : calling tasks) | reps | ours CPU µs (median) | floor CPU µs (median) | ratio (median of per-run ratios) | ratio range | anthropic SDK CPU µs (median) | SDK / ours | SDK / floor |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
rows = {}
for mode in modes:
    for line in open(os.path.join(out, mode + ".rows")):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = (cells[0], int(cells[1]))
        ours, floor = float(cells[3]), float(cells[4])
        rows.setdefault(key, {}).setdefault(mode, []).append((ours, floor, ours / floor))
for key in sorted(rows, key=lambda k: (k[0], k[1])):
    for mode in modes:
        runs = rows[key].get(mode, [])
        if not runs: continue
        ratios = [r[2] for r in runs]
        ours = statistics.median(r[0] for r in runs)
        floor = statistics.median(r[1] for r in runs)
        peer = statistics.median(sdk[key]) if key in sdk else None
        print(f"| {key[0]} | {key[1]} | {mode} | {len(runs)} | {ours:.1f} "
              f"| {floor:.1f} | **{statistics.median(ratios):.2f}×** "
              f"| {min(ratios):.2f}–{max(ratios):.2f} | {f'{peer:,.0f}' if peer else '–'} "
              f"| {f'{peer / ours:.1f}×' if peer else '–'} | {f'{peer / floor:.1f}×' if peer else '–'} |")
EOF
