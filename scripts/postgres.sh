#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks (the PostgreSQL ledger and budget store).
# Usage: bash scripts/postgres.sh start|stop|url [DIR]
#   start  installs `postgresql` from Debian's packages when missing (as root; see scripts/deps.sh),
#          runs initdb in DIR as an unprivileged user (initdb refuses root), starts the server on a
#          free loopback port with its socket in DIR, creates the database and prints its URL.
#   url    prints the URL of the running cluster in DIR.
#   stop   stops the cluster and deletes DIR.
# DIR defaults to $CLAUDE_ROUTER_PG_DIR, else /tmp/claude-router-pg. The password is random per
# cluster (SCRAM over TCP), so the URL is the only way in. The server also offers TLS with a
# self-signed certificate; the URL turns it off (`sslmode=disable`).
set -euo pipefail

command=${1:-}
dir=${2:-${CLAUDE_ROUTER_PG_DIR:-/tmp/claude-router-pg}}

bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# The user that owns the cluster: ourselves unless we are root, then `postgres` (the Debian
# package creates it) or `nobody`.
cluster_user() {
    if [ "$(id -u)" -ne 0 ]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

as_owner() {
    local owner
    owner=$(cluster_user)
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi
}

start() {
    if [ -z "$(bin_dir)" ] || [ ! -x "$(bin_dir)/initdb" ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "claude-router: PostgreSQL is not installed. Run as root: apt-get update && apt-get install -y postgresql" >&2
            exit 1
        fi
        echo "claude-router: installing postgresql from Debian's packages" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
    fi
    local bin owner port password
    bin=$(bin_dir)
    owner=$(cluster_user)
    if [ -f "$dir/url" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        cat "$dir/url"
        return
    fi
    rm -rf "$dir"
    mkdir -p "$dir/socket"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    printf '%s\n' "$password" > "$dir/pwfile"
    chmod 600 "$dir/pwfile"
    chown -R "$owner" "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U router --pwfile="$dir/pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    rm -f "$dir/pwfile"
    # TLS with a self-signed certificate (openssl comes with the postgresql package), so the tests
    # can check `sslmode=prefer` (encrypted, not verified) and `require` (verified: refused here).
    # The printed URL says `sslmode=disable`: the other tests run without TLS, as before.
    openssl req -new -x509 -days 30 -nodes -subj "/CN=claude-router-test" -keyout "$dir/data/server.key" \
        -out "$dir/data/server.crt" >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }
    chown "$owner" "$dir/data/server.key" "$dir/data/server.crt"
    chmod 600 "$dir/data/server.key"
    # The server must not keep the caller's descriptors: a parent that learns of this script's
    # exit through an inherited pipe or socket (as Foundation's Process does on Linux) would
    # otherwise wait for the server to stop. So pg_ctl runs with stdin from /dev/null and every
    # descriptor above 2 closed.
    close_inherited() {
        local fd
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
    }
    # 200 connections: four gateways' pools plus the tests' own clients.
    (close_inherited
     as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 -c max_connections=200 -c ssl=on" start >/dev/null </dev/null) || {
        cat "$dir/server.log" >&2
        exit 1
    }
    as_owner "$bin/createdb" -h "$dir/socket" -p "$port" -U router claude_router
    printf 'postgres://router:%s@127.0.0.1:%s/claude_router?sslmode=disable\n' "$password" "$port" > "$dir/url"
    chmod 644 "$dir/url"
    cat "$dir/url"
}

stop() {
    local bin
    bin=$(bin_dir)
    if [ -n "$bin" ] && [ -d "$dir/data" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "$command" in
    start) start ;;
    stop) stop ;;
    url) cat "$dir/url" ;;
    *) echo "usage: bash scripts/postgres.sh start|stop|url [DIR]" >&2; exit 2 ;;
esac
