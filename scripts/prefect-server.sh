#!/usr/bin/env bash
# Start or stop a local Prefect server (needed for schedules and `prefect deployment run`).
#
#   scripts/prefect-server.sh start [PORT]   # default port 4200; prints the export line to use
#   scripts/prefect-server.sh stop
#   scripts/prefect-server.sh url
#
# State (pid, port, log) lives in $PREFECT_HOME (default ./.prefect). The database is SQLite
# in $PREFECT_HOME unless PREFECT_API_DATABASE_CONNECTION_URL is set (see scripts/postgres.sh).
# The prefect command is $PREFECT_BIN, else `prefect` on PATH, else .venv/bin/prefect.
set -euo pipefail
cmd=${1:-}
home=${PREFECT_HOME:-$PWD/.prefect}
export PREFECT_HOME=$home PREFECT_SERVER_ANALYTICS_ENABLED=${PREFECT_SERVER_ANALYTICS_ENABLED:-false}
mkdir -p "$home"
pidfile=$home/server.pid portfile=$home/server.port logfile=$home/server.log
bin=${PREFECT_BIN:-$(command -v prefect || echo "$(dirname "$0")/../.venv/bin/prefect")}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
url() { echo "http://127.0.0.1:$(cat "$portfile")/api"; }

case "$cmd" in
  start)
    port=${2:-4200}
    if running; then echo "export PREFECT_API_URL=$(url)"; exit 0; fi
    echo "$port" > "$portfile"
    # setsid: the server and its children form one process group that `stop` ends together.
    setsid "$bin" server start --host 127.0.0.1 --port "$port" > "$logfile" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 300); do
      if python3 - "$(url)/health" <<'PY' 2>/dev/null; then echo "export PREFECT_API_URL=$(url)"; exit 0; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=1).read()
PY
      running || { echo "prefect server exited; see $logfile" >&2; tail -20 "$logfile" >&2; exit 1; }
      sleep 0.2
    done
    echo "prefect server not healthy after 60 s; see $logfile" >&2; exit 1 ;;
  stop)
    if running; then
      pid=$(cat "$pidfile")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile" ;;
  url) running && url || { echo "no server running (PREFECT_HOME=$home)" >&2; exit 1; } ;;
  *) echo "usage: $0 start [PORT] | stop | url" >&2; exit 2 ;;
esac
