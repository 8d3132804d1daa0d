#!/usr/bin/env bash
# Runs every benchmark of the README's table side by side on this machine and prints ONE markdown table
# (medians over REPS repetitions, ratios), also written to Benchmarks/results/run-DATE.md.
#
#   bash Benchmarks/run-all.sh            # REPS=3 by default
#   REPS=5 CLIENT_CALLS=1000 bash Benchmarks/run-all.sh
#   PARTS="client peers streams" PEERS=anthropic REPORT=/tmp/client.md bash Benchmarks/run-all.sh
#       (only the client rows: ClientBench, the official SDK, 1,000 streams; report elsewhere)
#
# Everything runs on 127.0.0.1 against the mock (MockAnthropicServer) in its OWN process, so
# the mock's CPU is never billed to the client under test. Every loop is bounded; the mock
# processes end when their stdin closes (also if this script dies).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
REPS="${REPS:-3}"
CLIENT_CALLS="${CLIENT_CALLS:-600}"     # ClientBench calls per concurrency-1 row (x3 at 64)
PEER_CALLS_1="${PEER_CALLS_1:-300}"     # Python peers, concurrency 1
PEER_CALLS_64="${PEER_CALLS_64:-640}"   # Python peers, concurrency 64 (10 per worker)
DECIDE_SAMPLES="${DECIDE_SAMPLES:-1000}"
STREAMS="${STREAMS:-1000}"
PARTS="${PARTS:-decide client peers streams ledger}"   # which measurements to run
PEERS="${PEERS:-anthropic litellm}"                    # which Python peers
# Where the table goes (also printed): a new file per run, so results/latest.md — the measured
# history the READMEs cite by section — is never overwritten.
REPORT="${REPORT:-results/run-$(date -u +%Y%m%d-%H%M%S).md}"
part() { [[ " $PARTS " == *" $1 "* ]]; }

WORK="$(mktemp -d)"
MOCK_PID=""
cleanup() {
    exec 9>&- 2>/dev/null || true
    if [[ -n "$MOCK_PID" ]]; then wait "$MOCK_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "run-all: $*" >&2; }

# 1. Peers in a throwaway virtualenv (pinned versions).
if ! .venv/bin/python -c "import ${PEERS// /, }" 2>/dev/null; then
    log "installing peers into Benchmarks/.venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r peers/requirements.txt
fi
PY=.venv/bin/python
export LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_TELEMETRY=False

# 2. Release builds (DecisionBench, ClientBench, curl-floor, MockServerMain, ours).
log "building (release)"
swift build -c release --package-path "$HERE" 2>&1 | grep -E "error|Build complete" >&2
BIN="$(swift build -c release --package-path "$HERE" --show-bin-path)"

# 3. The shared prompt set.
python3 peers/prompts.py "$WORK/prompts.json"

# Starts `ConcurrencyBench mock` on fd 9 (its stdin); sets MOCK_PORT.
start_mock() {
    local fifo="$WORK/mock-in-$1"
    mkfifo "$fifo"
    "$BIN/ConcurrencyBench" mock <"$fifo" >"$WORK/mock-out-$1" &
    MOCK_PID=$!
    exec 9>"$fifo"
    for _ in $(seq 100); do
        if [[ -s "$WORK/mock-out-$1" ]]; then break; fi
        sleep 0.1
    done
    MOCK_PORT="$(head -1 "$WORK/mock-out-$1" | sed 's/PORT //')"
    [[ -n "$MOCK_PORT" ]] || { log "mock did not start"; exit 1; }
}
# Closes the mock's stdin; it prints its counters and exits. $2: the record's kind.
# (Not run in a pipeline: `wait` and closing fd 9 must happen in this shell.)
stop_mock() {
    exec 9>&-
    wait "$MOCK_PID"
    MOCK_PID=""
    tail -n +2 "$WORK/mock-out-$1" | sed "s/^{/{\"rep\":$rep,\"kind\":\"$2\",/" >>"$OUT"
}

OUT="$WORK/results.jsonl"
for rep in $(seq "$REPS"); do
    if part decide; then
    log "repetition $rep/$REPS: routing decisions"
    "$BIN/ConcurrencyBench" decide "$WORK/prompts.json" "$DECIDE_SAMPLES" | sed "s/^{/{\"rep\":$rep,\"kind\":\"decide\",\"who\":\"ours\",/" >>"$OUT"
    $PY peers/decide_litellm.py "$WORK/prompts.json" 300 | sed "s/^{/{\"rep\": $rep, \"kind\": \"decide\", \"who\": \"litellm\", /" >>"$OUT"
    fi

    if ! part client; then
        :
    elif [[ -x "$BIN/ClientBench" ]]; then
        log "repetition $rep/$REPS: ClaudeClient + curl floor (ClientBench)"
        "$BIN/ClientBench" "$CLIENT_CALLS" 2>/dev/null | grep -E '^\| (create|stream) \|' | sed "s/^/CLIENTBENCH $rep /" >>"$WORK/clientbench.txt"
    else
        log "ClientBench not built: ClaudeClient and floor columns will read n/a"
    fi

    if part peers; then
    log "repetition $rep/$REPS: Python peers"
    start_mock "peers-$rep"
    for peer in $PEERS; do
        for mode in create stream; do
            for conc in 1 64; do
                calls=$PEER_CALLS_1; [[ $conc == 64 ]] && calls=$PEER_CALLS_64
                timeout 600 $PY peers/client_peers.py "$peer" "http://127.0.0.1:$MOCK_PORT" "$mode" "$conc" "$calls" \
                    | sed "s/^{/{\"rep\": $rep, \"kind\": \"client\", /" >>"$OUT"
            done
        done
    done
    stop_mock "peers-$rep" mock-peers
    fi

    if part streams; then
    log "repetition $rep/$REPS: $STREAMS concurrent streams"
    start_mock "streams-$rep"
    "$BIN/ConcurrencyBench" streams "$STREAMS" "$MOCK_PORT" | sed "s/^{/{\"rep\":$rep,\"kind\":\"streams\",/" >>"$OUT"
    stop_mock "streams-$rep" mock-streams
    fi

    if part ledger; then
    log "repetition $rep/$REPS: ledger"
    mkdir -p "$HERE/.build/ledgerbench"   # a real disk (fsync must cost what it costs)
    "$BIN/LedgerBench" "$HERE/.build/ledgerbench" 300 10000 | sed "s/^{/{\"rep\":$rep,\"kind\":\"ledger\",/" >>"$OUT"
    fi
done

mkdir -p results
touch "$OUT" "$WORK/clientbench.txt"
cat "$OUT" "$WORK/clientbench.txt" >"${REPORT%.md}-raw.txt" 2>/dev/null || true   # the inputs of the table
python3 peers/report.py "$OUT" "$WORK/clientbench.txt" "$REPS" \
    "$($PY -c "import importlib.metadata as m
print(', '.join(p + ' ' + m.version(p) for p in '$PEERS'.split()))")" \
    | tee "$REPORT"
