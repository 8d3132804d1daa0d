#!/usr/bin/env bash
# Reproduces the shipped learned scorer from the routing development data, byte for byte:
#   policies/default.scorer.json  (the sidecar; a link to Sources/RouterPolicies/Resources/, which
#                                  SwiftPM embeds in the library at build time; checked with cmp)
#   policies/learned.yaml         (policies/default.yaml + the scorer: block and calibrated thresholds)
# Usage: bash scripts/train-default-scorer.sh            # verify: exit 1 if anything differs
#        bash scripts/train-default-scorer.sh --write    # regenerate the files in place
# Training: `claude-router calibrate` on the upstream train split (4,614 prompts), target 95% of
# the top tier's pass rate, prices of 2026-11-01 (fixed so thresholds do not drift with the date).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product claude-router >/dev/null
BIN=.build/release/claude-router
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DEV=data/routing-dev/routing-dev-llmrouter.jsonl
"$BIN" calibrate --from-dev-data "$DEV" --split train --save-outcomes "$WORK/train.jsonl"
"$BIN" calibrate --from-dev-data "$DEV" --split test --save-outcomes "$WORK/test.jsonl"
"$BIN" calibrate --policy policies/default.yaml --outcomes "$WORK/train.jsonl" \
    --holdout-outcomes "$WORK/test.jsonl" --target-quality-ratio 0.95 --seed 1 \
    --price-date 2026-11-01 --output "$WORK/default.yaml"
# policies/learned.yaml: the calibrated default under its own name and header.
{
    printf '%s\n' '# claude-router default policy with the learned difficulty score (docs/CALIBRATION.md) instead of the' \
        '# hand-made complexity score: the scorer: block and thresholds were written by `claude-router calibrate`' \
        '# on the routing development data (data/routing-dev/); reproduce with scripts/train-default-scorer.sh.' \
        '# Everything else is policies/default.yaml.'
    tail -n +5 "$WORK/default.yaml" | sed -E 's/^name: default(-calibrated)?$/name: learned/'
} > "$WORK/learned.yaml"
if [[ "${1:-}" == "--write" ]]; then
    cp "$WORK/default.scorer.json" policies/default.scorer.json
    cp "$WORK/learned.yaml" policies/learned.yaml
    echo "wrote policies/default.scorer.json and policies/learned.yaml"
else
    cmp policies/default.scorer.json "$WORK/default.scorer.json"
    cmp policies/learned.yaml "$WORK/learned.yaml"
    echo "ok: policies/default.scorer.json and policies/learned.yaml reproduced byte for byte"
fi
