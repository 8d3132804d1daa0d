#!/usr/bin/env bash
# The README's test command: installs missing system packages, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh chromium  # chromium: a test renders the HTML eval report headless
swift build --build-tests "$@"
# A throwaway PostgreSQL cluster (installed from Debian's packages when missing) for the
# PostgreSQL ledger and budget tests; stopped and deleted at exit, whatever happens.
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/claude-router-pg.XXXXXX")
trap 'bash scripts/postgres.sh stop "$pg_dir"' EXIT
CLAUDE_ROUTER_TEST_POSTGRES_URL=$(bash scripts/postgres.sh start "$pg_dir")
export CLAUDE_ROUTER_TEST_POSTGRES_URL
swift test --skip-build "$@"
# The heavy gateway tests (1,000 concurrent streams; kill -9 under load; 4 gateways sharing one
# PostgreSQL), alone so they starve no other suite, and one suite at a time so they starve no
# other heavy one (run together on a loaded 2-core CI machine, the kill -9 test saw no reply in
# its first 70 s while the 1,000 streams and the 4-gateway race ran beside it).
for suite in GatewayLoadTests GatewayProcessTests GatewayFleetTests; do
    CLAUDE_ROUTER_GATEWAY_HEAVY=1 swift test --skip-build --filter "$suite" "$@"
done

# The gateway with the official `anthropic` Python SDK (docs/GATEWAY.md): its own virtualenv.
bash scripts/gateway-sdk-test.sh
