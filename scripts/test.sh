#!/usr/bin/env bash
# The README's test command: installs missing system packages, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
swift build --build-tests "$@"
swift test --skip-build "$@"

# The gateway with the official `anthropic` Python SDK (docs/GATEWAY.md): its own virtualenv.
bash scripts/gateway-sdk-test.sh
