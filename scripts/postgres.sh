#!/usr/bin/env bash
# A private PostgreSQL cluster for the Prefect server (Debian `postgresql` package; never
# touches the system cluster).
#
#   scripts/postgres.sh start DIR [PORT]   # default port 5433; prints the export line to use
#   scripts/postgres.sh stop DIR
#
# DIR must be reachable by the `postgres` user when run as root (initdb refuses root), e.g.
# a folder under /tmp. Then start the server against it:
#   export PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect:prefect@127.0.0.1:5433/prefect
#   eval "$(scripts/prefect-server.sh start)"   # exports the PREFECT_API_URL it prints
set -euo pipefail
cmd=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2; }
pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL not installed (apt-get install postgresql)" >&2; exit 3; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
as_pg() {  # run as the postgres user when we are root, else as ourselves
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"

case "$cmd" in
  start)
    port=${3:-5433}
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-on}" start >/dev/null
    psql=("$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
    if [ -z "$("${psql[@]}" -c "select 1 from pg_roles where rolname='prefect'")" ]; then
      "${psql[@]}" -c "create user prefect with password 'prefect'" -c "create database prefect owner prefect" >/dev/null
    fi
    echo "export PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect:prefect@127.0.0.1:$port/prefect" ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true ;;
  *) echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
