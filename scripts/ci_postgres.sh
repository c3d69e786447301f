#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite, when the machine has PostgreSQL's
# server binaries (Debian's postgresql package), and print the URL for MISSILEWATCH_TEST_PG_URL.
# Prints nothing (and succeeds) where there is no server to start: the PostgreSQL tests skip.
# Usage: eval "$(scripts/ci_postgres.sh start)"; ...; scripts/ci_postgres.sh stop
set -u
DIR=${MW_PG_DIR:-/tmp/missilewatch-ci-pg}
PORT=${MW_PG_PORT:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

run_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$BIN" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      # A fresh machine: install Debian's server (quietly; the tests skip if this fails).
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >/dev/null 2>&1
      BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
    [ -n "$BIN" ] && [ -x "$BIN/initdb" ] || exit 0
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then exit 0; fi
    rm -rf "$DIR" && mkdir -p "$DIR" && { [ "$(id -u)" != 0 ] || chown postgres "$DIR"; }
    run_as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust >/dev/null 2>&1 || exit 0
    run_as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-k $DIR -p $PORT -c listen_addresses=''" start \
      >/dev/null 2>&1 || exit 0
    run_as_pg "$BIN/createdb" -h "$DIR" -p "$PORT" -U postgres missilewatch_test >/dev/null 2>&1 || exit 0
    echo "export MISSILEWATCH_TEST_PG_URL='postgresql+psycopg://postgres@/missilewatch_test?host=$DIR&port=$PORT'"
    ;;
  stop)
    [ -n "$BIN" ] && [ -d "$DIR/data" ] && run_as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1
    rm -rf "$DIR"
    ;;
esac
exit 0
