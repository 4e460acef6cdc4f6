#!/usr/bin/env bash
# Start or stop a local Prefect server (needed for schedules and `prefect deployment run`).
#
#   eval "$(scripts/prefect-server.sh start [PORT])"   # prints the export line to use
#   scripts/prefect-server.sh stop
#   scripts/prefect-server.sh url
#
# PORT (default 4200) is the first port tried: when it is busy the next free one is used, and
# stderr says which. The URL printed is always this PREFECT_HOME's own server (its
# /api/admin/settings names this home), never another one that happens to answer there.
# State (pid, port, log, database) lives in $PREFECT_HOME (default ./.prefect). The database is
# SQLite in $PREFECT_HOME unless PREFECT_API_DATABASE_CONNECTION_URL is set (see
# scripts/postgres.sh); a server already running there with another database is an error,
# not a server to hand back. The prefect command is $PREFECT_BIN, else `prefect` on PATH,
# else .venv/bin/prefect. flows/local_server.py (`osmu run`, `osmu server`) shares these files.
set -euo pipefail
cmd=${1:-}
home=${PREFECT_HOME:-$PWD/.prefect}
# Offline: Prefect's usage analytics off, server and client side (as flows/quiet.py's OFFLINE).
export PREFECT_HOME=$home PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
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
# The database a server of this home uses, as a digest (the URL may hold a password).
digest() { python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest()[:16])' "$1"; }
database() { digest "${PREFECT_API_DATABASE_CONNECTION_URL:-sqlite}"; }
# ours URL: the server answering at URL is this PREFECT_HOME's (not another one on that port).
ours() {
  python3 - "$1" "$home" <<'PY' 2>/dev/null
import json, os, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/admin/settings", timeout=2) as response:
    home = json.load(response).get("home")
sys.exit(0 if home and os.path.realpath(home) == os.path.realpath(sys.argv[2]) else 1)
PY
}
# free PORT: nothing listens on 127.0.0.1:PORT.
free() {
  python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
with socket.socket() as sock:
    sock.bind(("127.0.0.1", int(sys.argv[1])))
PY
}

case "$cmd" in
  start)
    wanted=${2:-4200}
    if running; then
      if [ "$(cat "$home/server.database" 2>/dev/null || digest sqlite)" != "$(database)" ]; then
        echo "a Prefect server with another database already runs for PREFECT_HOME=$home ($(url), pid $(cat "$pidfile")); stop it first: $0 stop" >&2
        exit 1
      fi
      if ours "$(url)"; then
        [ "$(cat "$portfile")" = "$wanted" ] || echo "already running on port $(cat "$portfile")" >&2
        echo "export PREFECT_API_URL=$(url)"; exit 0
      fi
    fi
    port=$wanted
    while ! free "$port"; do
      port=$((port + 1))
      [ "$port" -lt "$((wanted + 20))" ] || { echo "ports $wanted-$((port - 1)) are all busy" >&2; exit 1; }
    done
    [ "$port" = "$wanted" ] || echo "port $wanted is busy; using $port" >&2
    (umask 077 && echo "$port" > "$portfile" && database > "$home/server.database")
    # setsid: the server and its children form one process group that `stop` ends together.
    (umask 077 && : > "$logfile")
    setsid "$bin" server start --host 127.0.0.1 --port "$port" > "$logfile" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || { echo "prefect server exited; see $logfile" >&2; tail -20 "$logfile" >&2; exit 1; }
      if ours "$(url)"; then record "$pid"; echo "export PREFECT_API_URL=$(url)"; exit 0; fi
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
