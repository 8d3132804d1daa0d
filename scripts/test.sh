#!/usr/bin/env bash
# The README's test command: installs missing system packages, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh chromium  # chromium: a test renders the HTML eval report headless
swift build --build-tests "$@"
swift test --skip-build "$@"
# The heavy gateway tests (1,000 concurrent streams; kill -9 under load), alone so they starve no other suite.
CLAUDE_ROUTER_GATEWAY_HEAVY=1 swift test --skip-build --filter 'GatewayLoadTests|GatewayProcessTests' "$@"

# The gateway with the official `anthropic` Python SDK (docs/GATEWAY.md): its own virtualenv.
bash scripts/gateway-sdk-test.sh
