#!/usr/bin/env bash
# The restore check a sysadmin would write by hand, the benchmark's baseline: initdb, start,
# pg_restore -j, count(*) on every table, stop, rm. Same server settings as Restore Drill's
# sandbox (scripts/bench/restore-bench.ts passes them), so the comparison measures orchestration.
# Usage: baseline-restore.sh DUMP JOBS PG_BIN_DIR "SERVER OPTIONS"
set -euo pipefail
dump=$1 jobs=$2 bin=$3 server_options=$4

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
as_db_user=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_db_user=(runuser -u postgres --)
fi
port=$((20000 + RANDOM % 30000))
"${as_db_user[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${as_db_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -c unix_socket_directories=$dir $server_options" start >/dev/null
export PGHOST=$dir PGPORT=$port PGUSER=postgres
"$bin/psql" -X -q -d postgres -c 'CREATE DATABASE restored'
"$bin/pg_restore" -j "$jobs" --no-tablespaces -d restored "$dump" 2>/dev/null || true
tables=$("$bin/psql" -X -At -d restored -c "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
for table in $tables; do
  PGOPTIONS='-c enable_indexscan=off -c enable_indexonlyscan=off -c enable_bitmapscan=off' "$bin/psql" -X -At -d restored -c "SELECT count(*) FROM ONLY $table" >/dev/null
done
"${as_db_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
