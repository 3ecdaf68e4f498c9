#!/usr/bin/env bash
# The estate simulation (issue 23): 10,000 repositories' webhooks through one serve on SQLite, and through serve --queue on
# NATS JetStream to one and to two workers on PostgreSQL, in the same run (bench --suite estate).
#
#   bench/estate.sh                       # 100,000 webhooks
#   EVENTS=20000 bench/estate.sh          # fewer
#   REPOS=1000 bench/estate.sh            # a smaller estate
#   PIPEWATCH=/path/to/pipewatch bench/estate.sh    # another build
#
# Starts Debian's nats-server (JetStream in a temp folder) and PostgreSQL (initdb into a temp folder; run as the postgres user
# when this runs as root, as PostgreSQL requires) on free loopback ports, and stops both at the end. Needs nats-server and
# postgresql installed (.ci/run installs both).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/bench/out/estate"
EVENTS="${EVENTS:-100000}"
mkdir -p "$OUT"

if [[ -z "${PIPEWATCH:-}" ]]; then
  dotnet publish "$ROOT/src/PipeWatch.Cli" -c Release -o "$OUT/pipewatch" -v q --nologo >&2
  PIPEWATCH="$OUT/pipewatch/pipewatch"
fi

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
command -v nats-server >/dev/null || { echo "nats-server is missing (apt-get install nats-server)" >&2; exit 2; }
[[ -x "$PG_BIN/postgres" ]] || { echo "PostgreSQL's server binaries are missing (apt-get install postgresql)" >&2; exit 2; }

TMP="$(mktemp -d /tmp/pipewatch-estate-XXXXXX)"
chmod 755 "$TMP"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
AS=()
if [[ "$(id -u)" == 0 ]]; then
  RUNAS="$(getent passwd postgres >/dev/null && echo postgres || echo nobody)"
  AS=(setpriv "--reuid=$RUNAS" "--regid=$RUNAS" --init-groups --)
fi

NATS_PID=""
cleanup() {
  [[ -n "$NATS_PID" ]] && kill "$NATS_PID" 2>/dev/null || true
  [[ -f "$TMP/pg/postmaster.pid" ]] && "${AS[@]}" "$PG_BIN/pg_ctl" stop -D "$TMP/pg" -m fast -w -t 30 >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

NATS_PORT="$(free_port)"
nats-server -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$TMP/js" >"$TMP/nats.log" 2>&1 &
NATS_PID=$!

PG_PORT="$(free_port)"
PASSWORD="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$PASSWORD" >"$TMP/pwfile"
# The server's files (data, log, password file) belong to the user it runs as.
[[ "$(id -u)" == 0 ]] && chown "$RUNAS:" "$TMP" "$TMP/pwfile"
"${AS[@]}" "$PG_BIN/initdb" -D "$TMP/pg" -U pipewatch --pwfile "$TMP/pwfile" --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C >"$TMP/initdb.log" 2>&1
rm -f "$TMP/pwfile"
"${AS[@]}" "$PG_BIN/pg_ctl" start -D "$TMP/pg" -l "$TMP/pg.log" -w -t 60 \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200" >/dev/null
echo "127.0.0.1:$PG_PORT:*:pipewatch:$PASSWORD" >"$TMP/pgpass"
chmod 600 "$TMP/pgpass"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); nats-server $(nats-server --version | awk '{print $NF}'), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $NF}')"
PIPEWATCH="$PIPEWATCH" \
PIPEWATCH_BENCH_NATS="nats://127.0.0.1:$NATS_PORT" \
PIPEWATCH_BENCH_PG="postgres://pipewatch@127.0.0.1:$PG_PORT/postgres?passfile=$TMP/pgpass" \
PIPEWATCH_BENCH_REPOS="${REPOS:-10000}" \
  dotnet run -c Release --project "$ROOT/bench/PipeWatch.Bench" -- --suite estate --events "$EVENTS"
