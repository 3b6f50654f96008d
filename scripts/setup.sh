#!/usr/bin/env bash
# Installs what Restore Drill needs beyond its npm packages, and only what is missing, so it is
# safe to run before every `npm start` / `npm test`:
#   - PostgreSQL server and client tools (Debian packages) for local sandboxes and the embedded
#     history database;
#   - the Temporal CLI, whose `temporal server start-dev` is the development Temporal server,
#     built from Go modules into the project-local tools folder.
set -euo pipefail

cd "$(dirname "$0")/.."
TOOLS_DIR="${RESTORE_DRILL_TOOLS_DIR:-$PWD/.tools}"
# The newest tag `go install` accepts: later releases' go.mod carries replace directives.
TEMPORAL_CLI_MODULE="github.com/temporalio/cli/cmd/temporal@v1.5.1"

say() { printf 'setup: %s\n' "$*"; }

is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  if ! is_root; then
    say "missing Debian packages: $*"
    say "run 'sudo npm run setup' (or install them yourself) and try again"
    exit 1
  fi
  say "installing Debian packages: $*"
  # Debian's postgresql package would otherwise create and start a cluster we never use.
  mkdir -p /etc/postgresql-common
  if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Server packages start their system service on install; we only want the binaries.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  if [ -n "$created_policy" ]; then rm -f "$policy"; fi
}

# PostgreSQL: any major version under /usr/lib/postgresql with server and restore tools will do,
# unless RESTORE_DRILL_PG_BIN points elsewhere.
pg_tools_present() {
  local dir
  for dir in ${RESTORE_DRILL_PG_BIN:-} /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/pg_restore" ] && [ -x "$dir/psql" ] && [ -x "$dir/pg_dump" ] && return 0
  done
  return 1
}
if pg_tools_present; then
  say "PostgreSQL tools: present"
else
  apt_install postgresql-15 postgresql-client-15
  pg_tools_present || { say "PostgreSQL tools still missing after install"; exit 1; }
fi

# Go's official tarball lives outside the default PATH of non-login shells.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi

# MariaDB server and client for MySQL/MariaDB drills (a real MySQL can be put on PATH instead).
if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || command -v mysqld >/dev/null 2>&1; then
  say "MariaDB/MySQL server: present"
else
  apt_install mariadb-server mariadb-client
fi

# Temporal CLI: nothing to do when a server is given, or a CLI is on PATH or already built.
if [ -n "${TEMPORAL_ADDRESS:-}" ]; then
  say "Temporal: using TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"
elif command -v temporal >/dev/null 2>&1; then
  say "Temporal CLI: $(command -v temporal)"
elif [ -x "$TOOLS_DIR/bin/temporal" ]; then
  say "Temporal CLI: $TOOLS_DIR/bin/temporal"
elif command -v go >/dev/null 2>&1; then
  say "building the Temporal CLI from Go modules into $TOOLS_DIR/bin (a few minutes, once)…"
  mkdir -p "$TOOLS_DIR/bin"
  GOBIN="$TOOLS_DIR/bin" GOFLAGS=-mod=mod go install "$TEMPORAL_CLI_MODULE"
  say "Temporal CLI: built $("$TOOLS_DIR/bin/temporal" --version)"
else
  say "no Temporal CLI and no Go toolchain: the Temporal SDK will download its dev server at start (needs internet)"
fi
