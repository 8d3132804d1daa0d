#!/usr/bin/env bash
# The README's first command: installs missing system packages, builds the CLI and runs the demo
# against the bundled local mock of the API (no API key, no server to set up). Arguments go to
# `claude-router demo` and are read from the directory the script is run in (`--ledger x.sqlite`
# lands there, not in the repository).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/deps.sh"
# Only a missing release binary means the long first build (every dependency compiled); otherwise swift build recompiles only what changed.
if [ ! -x "$root/.build/release/claude-router" ]; then
  echo "building claude-router (release; the first build takes 6–25 minutes on 2 cores, depending on load) …" >&2
fi
(cd "$root" && swift build -c release --product claude-router >&2)
exec "$root/.build/release/claude-router" demo "$@"
