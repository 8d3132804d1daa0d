#!/usr/bin/env bash
# Runs ClientBench REPS times in each way of calling the client, alternating them so load on a
# shared machine falls on all alike, and prints the median of each row's CPU per call (ours and
# the raw-libcurl floor of the same run) and of the ratio.
#
# usage: bash Benchmarks/client-modes.sh [REPS [CALLS [MODES]]]
#   REPS   repetitions per mode (default 5); CALLS per sequential row (default 2000, x3 at 64)
#   MODES  space-separated list of EVENT_LOOP:TASK_EXECUTOR pairs
#          (default "dedicated:default dedicated:client shared:default")
# Needs a release build: swift build -c release --package-path Benchmarks --product ClientBench
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$here/.build/release/ClientBench"
reps="${1:-5}"
calls="${2:-2000}"
modes="${3:-dedicated:default dedicated:client shared:default}"
[ -x "$bench" ] || { echo "client-modes.sh: build ClientBench first (see the usage line)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for rep in $(seq 1 "$reps"); do
    for mode in $modes; do
        loop="${mode%%:*}"
        executor="${mode##*:}"
        echo "rep $rep/$reps: EVENT_LOOP=$loop TASK_EXECUTOR=$executor (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        EVENT_LOOP="$loop" TASK_EXECUTOR="$executor" "$bench" "$calls" 2>/dev/null \
            | grep -E '^\| (create|stream) \|' >>"$out/$mode.rows"
    done
done

python3 - "$out" $modes <<'EOF'
import statistics, sys, os
out, modes = sys.argv[1], sys.argv[2:]
print("| call | conc | mode (event loop : calling tasks) | reps | ours CPU µs (median) | floor CPU µs (median) | ratio (median of per-run ratios) | ratio range |")
print("|---|---|---|---|---|---|---|---|")
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
        print(f"| {key[0]} | {key[1]} | {mode} | {len(runs)} | {statistics.median(r[0] for r in runs):.1f} "
              f"| {statistics.median(r[1] for r in runs):.1f} | **{statistics.median(ratios):.2f}×** "
              f"| {min(ratios):.2f}–{max(ratios):.2f} |")
EOF
