#!/usr/bin/env bash
# Reproduces the shipped learned scorer from the routing development data, byte for byte:
#   policies/default.scorer.json  (the sidecar; a link to Sources/RouterPolicies/Resources/, which
#                                  SwiftPM embeds in the library at build time; checked with cmp)
#   policies/learned.yaml         (policies/default.yaml's routing + the scorer: block and the thresholds
#                                  calibrate chose for the open-model tiers)
#   policies/default.yaml         (its scorer: block uses the same sidecar; only its sha256 line is
#                                  written here: the blend weight, guard and thresholds are chosen by
#                                  hand from RoutingQualityBench's sweep, docs/CALIBRATION.md)
# Usage: bash scripts/train-default-scorer.sh            # verify: exit 1 if anything differs
#        bash scripts/train-default-scorer.sh --write    # regenerate the files in place
# Training: `claude-router calibrate` on the upstream train split (4,614 prompts), λ chosen by
# 5-fold cross-validation with folds grouped by task family (so λ is picked for transfer to
# unseen kinds of prompt), n-grams seen in at least 3 training prompts (the 4,000 largest weights
# kept: the sidecar is compiled into the library; read from the first 512 and last 256 bytes of a
# longer prompt, so a decision's n-gram pass is bounded), target 95% of the top
# tier's pass rate, prices of 2026-11-01 (fixed so thresholds do not drift with the date), and
# global thresholds only (--min-task-rows above the data's size): the data's task labels are the
# policy classifier's guesses on open-model benchmark prompts, not Claude traffic, so per-task
# thresholds fitted on them would not carry over (calibrate fits those on a user's own outcomes).
# Benchmarks/RoutingQuality/main.swift uses the same settings (keep the two in step).
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}                     # e.g. SCRATCH=.build-rel for a second build folder
[[ -n "${SKIP_BUILD:-}" ]] || swift build -c release --scratch-path "$SCRATCH" --product claude-router >/dev/null
BIN=${BIN:-$SCRATCH/release/claude-router}          # BIN=.build/debug/claude-router: any build gives the same bytes
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DEV=data/routing-dev/routing-dev-llmrouter.jsonl
"$BIN" calibrate --from-dev-data "$DEV" --split train --save-outcomes "$WORK/train.jsonl"
"$BIN" calibrate --from-dev-data "$DEV" --split test --save-outcomes "$WORK/test.jsonl"
# The base policy: policies/default.yaml without its scorer: block (it pins the current sidecar).
awk '/^scorer:/ { skip = 1; next } skip && /^[ \t]/ { next } { skip = 0; print }' policies/default.yaml > "$WORK/base.yaml"
"$BIN" calibrate --policy "$WORK/base.yaml" --outcomes "$WORK/train.jsonl" \
    --holdout-outcomes "$WORK/test.jsonl" --target-quality-ratio 0.95 --seed 1 \
    --lambdas 0.1,0.03,0.01,0.003,0.001 --group-by task_hint --min-document-frequency 3 --max-ngrams 4000 \
    --ngram-window 512,256 --min-task-rows 1000000 \
    --price-date 2026-11-01 --output "$WORK/default.yaml"
# policies/learned.yaml: the calibrated default under its own name and header.
{
    printf '%s\n' '# claude-router default policy routed by the learned difficulty score alone (docs/CALIBRATION.md): the' \
        '# scorer: block and thresholds were written by `claude-router calibrate` on the routing development' \
        '# data (data/routing-dev/); reproduce with scripts/train-default-scorer.sh. policies/default.yaml uses' \
        '# the same sidecar blended with the hand-made score, behind the no-evidence guard.'
    tail -n +5 "$WORK/default.yaml" | sed -E 's/^name: default(-calibrated)?$/name: learned/'
} > "$WORK/learned.yaml"
# policies/default.yaml: the same, with the new sidecar's hash in its scorer: block.
SHA=$(sed -n 's/^  sha256: \([0-9a-f]\{64\}\)$/\1/p' "$WORK/default.yaml")
awk -v sha="$SHA" '/^scorer:/ { inside = 1 } /^[^ \t#]/ && !/^scorer:/ { inside = 0 }
    inside && /^  sha256: / { sub(/[0-9a-f]+$/, sha) } { print }' policies/default.yaml > "$WORK/default.policy.yaml"
if [[ "${1:-}" == "--write" ]]; then
    cp "$WORK/default.scorer.json" policies/default.scorer.json
    cp "$WORK/learned.yaml" policies/learned.yaml
    cp "$WORK/default.policy.yaml" policies/default.yaml
    echo "wrote policies/default.scorer.json, policies/learned.yaml and the sha256 of policies/default.yaml"
else
    cmp policies/default.scorer.json "$WORK/default.scorer.json"
    cmp policies/learned.yaml "$WORK/learned.yaml"
    cmp policies/default.yaml "$WORK/default.policy.yaml"
    echo "ok: policies/default.scorer.json, policies/learned.yaml and policies/default.yaml reproduced byte for byte"
fi
