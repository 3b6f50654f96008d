#!/usr/bin/env bash
# The MySQL/MariaDB restore check a sysadmin would write by hand, the benchmark's baseline:
# mariadb-install-db, start mariadbd on a Unix socket, `mariadb < dump` (gunzip first if .gz),
# COUNT(*) on every table, stop, rm. Same server options as Restore Drill's sandbox
# (activities/engines/mysql/server.ts), so the comparison measures orchestration.
# Usage: baseline-mysql-restore.sh DUMP MARIADBD MARIADB_INSTALL_DB MARIADB MARIADB_ADMIN
set -euo pipefail
dump=$(realpath "$1") server=$2 install_db=$3 client=$4 admin=$5

dir=$(mktemp -d)
cleanup() {
  if [ -s "$dir/mysqld.pid" ]; then kill -KILL "$(cat "$dir/mysqld.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
as_db_user=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_db_user=(runuser -u postgres --)
fi
cd "$dir"
export LANG=C.UTF-8
"${as_db_user[@]}" "$install_db" --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >/dev/null
"${as_db_user[@]}" "$server" --no-defaults --datadir="$dir/data" --socket="$dir/mysql.sock" --skip-networking \
  --pid-file="$dir/mysqld.pid" --log-error="$dir/mysqld.err" \
  --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin --max-allowed-packet=1G &
server_pid=$!
sql=("$client" --no-defaults --socket="$dir/mysql.sock" --user=root)
until "$admin" --no-defaults --socket="$dir/mysql.sock" --user=root ping >/dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$dir/mysqld.err" >&2; exit 1; }
  sleep 0.1
done
"${sql[@]}" -e 'CREATE DATABASE restored'
case "$dump" in
  *.gz) gunzip -c "$dump" | "${sql[@]}" --binary-mode restored ;;
  *) "${sql[@]}" --binary-mode restored < "$dump" ;;
esac
"${sql[@]}" -N -B -e "SELECT CONCAT('\`', REPLACE(table_schema, '\`', '\`\`'), '\`.\`', REPLACE(table_name, '\`', '\`\`'), '\`') FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')" |
  while IFS= read -r table; do
    "${sql[@]}" -N -B -e "SELECT COUNT(*) FROM $table" >/dev/null
  done
# Like the drill's teardown (and pg_ctl -m immediate): the data is about to be deleted anyway.
kill -KILL "$(cat "$dir/mysqld.pid")"
wait "$server_pid" 2>/dev/null || true
rm -f "$dir/mysqld.pid"
