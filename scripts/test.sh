#!/usr/bin/env bash
# The README's test command: installs missing system packages, then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh chromium  # chromium: a test renders the HTML eval report headless
swift build --build-tests "$@"
swift test --skip-build "$@"
