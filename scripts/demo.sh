#!/usr/bin/env bash
# The README's first command: installs missing system packages, builds the CLI and runs the demo
# against the bundled local mock of the API (no API key, no server to set up).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
swift build -c release --product claude-router >&2
exec .build/release/claude-router demo "$@"
