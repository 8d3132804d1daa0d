#!/usr/bin/env bash
# Runs scripts/gateway_sdk_test.py (the official `anthropic` Python SDK against
# `claude-router serve` in front of the mock) in a virtualenv it creates on first use.
# Needs a built `claude-router` (swift build --build-tests). Fails when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-gateway-sdk
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "claude-router: installing python3-venv" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends python3-venv >&2
    else
        echo "claude-router: python3-venv is missing; run as root: apt-get install -y python3-venv" >&2
        exit 1
    fi
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import anthropic' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'anthropic>=0.70,<3'
fi
binary="$(swift build --show-bin-path)/claude-router"
exec "$venv/bin/python" scripts/gateway_sdk_test.py "$binary"
