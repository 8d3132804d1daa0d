#!/usr/bin/env bash
# Installs the Debian packages claude-router builds against, when they are missing.
# Usage: bash scripts/deps.sh [EXTRA-PACKAGE...]
# As root it runs apt-get itself; otherwise it prints the exact command to run and fails.
set -euo pipefail

# Extra package names on the command line are installed too (the test command adds chromium,
# which renders the HTML reports in a test).
required=(libcurl4-openssl-dev libyaml-dev libsqlite3-dev pkg-config "$@")
missing=()
for pkg in "${required[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    echo "claude-router: installing missing packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
    echo "claude-router: missing packages: ${missing[*]}" >&2
    echo "Run as root:  sudo sh -c '$command'" >&2
    exit 1
fi
