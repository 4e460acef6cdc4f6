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
(umask 077 && mkdir -p "$home")  # 0700, as Prefect makes it: its database holds run data
pidfile=$home/server.pid portfile=$home/server.port logfile=$home/server.log
bin=${PREFECT_BIN:-$(command -v prefect || echo "$(dirname "$0")/../.venv/bin/prefect")}

# $pidfile holds the server's pid, start time and command line, one a line (as flows/local_server.py
# writes it): a signal goes only to a process whose three match, never to whoever reuses a stale pid.
identity() {  # start time and command line of process $1 (nothing when none runs)
  if [ -r /proc/self/stat ]; then
    [ -r "/proc/$1/stat" ] || return 0
    sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20
    tr '\0' ' ' < "/proc/$1/cmdline" | sed 's/ *$//'; echo
  else
    ps -p "$1" -o lstart= | sed 's/^ *//; s/ *$//'
    ps -p "$1" -o command= | sed 's/^ *//; s/ *$//'
  fi
}
recorded_pid() { [ -f "$pidfile" ] && sed -n 1p "$pidfile"; }
running() {
  local pid; pid=$(recorded_pid) || return 1
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  [ "$(sed -n 2,3p "$pidfile")" = "$(identity "$pid")" ] && [ -n "$(sed -n 3p "$pidfile")" ]
}
record() { (umask 077 && { echo "$1"; identity "$1"; } > "$pidfile"); }
url() { echo "http://127.0.0.1:$(cat "$portfile")/api"; }

case "$cmd" in
  start)
    port=${2:-4200}
    if running; then echo "export PREFECT_API_URL=$(url)"; exit 0; fi
    echo "$port" > "$portfile"
    # setsid: the server and its children form one process group that `stop` ends together.
    (umask 077 && : > "$logfile")
    setsid "$bin" server start --host 127.0.0.1 --port "$port" > "$logfile" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 300); do
      if python3 - "$(url)/health" <<'PY' 2>/dev/null; then record "$pid"; echo "export PREFECT_API_URL=$(url)"; exit 0; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=1).read()
PY
      kill -0 "$pid" 2>/dev/null || { echo "prefect server exited; see $logfile" >&2; tail -20 "$logfile" >&2; exit 1; }
      sleep 0.2
    done
    kill -TERM -- "-$pid" 2>/dev/null || true  # ours: started just now
    echo "prefect server not healthy after 60 s; see $logfile" >&2; exit 1 ;;
  stop)
    if running; then
      pid=$(recorded_pid)
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    elif [ -f "$pidfile" ]; then
      echo "server.pid names no server of ours (stale); nothing stopped" >&2
    fi
    rm -f "$pidfile" ;;
  url) running && url || { echo "no server running (PREFECT_HOME=$home)" >&2; exit 1; } ;;
  *) echo "usage: $0 start [PORT] | stop | url" >&2; exit 2 ;;
esac
