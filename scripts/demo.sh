#!/usr/bin/env bash
# The README's first command: installs missing system packages, builds the CLI and runs the demo
# against the bundled local mock of the API (no API key, no server to set up).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
# Only a missing release binary means the long first build (every dependency compiled); otherwise swift build recompiles only what changed.
if [ ! -x .build/release/claude-router ]; then
  echo "building claude-router (release; the first build takes 6–25 minutes on 2 cores, depending on load) …" >&2
fi
swift build -c release --product claude-router >&2
exec .build/release/claude-router demo "$@"
