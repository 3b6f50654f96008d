# Sourced by the install-*.sh scripts: what every build they put into the tools folder shares.
# Expects TOOLS_DIR and say(); the sourcing script defines is_installed NAME and install_one NAME.

# Puts a staged build in place of an older one (never a half-copied folder at the target).
swap_into_place() {
  local built=$1 target=$2
  rm -rf "$target.old"
  if [ -e "$target" ]; then mv "$target" "$target.old" || return 1; fi
  mv "$built" "$target" || return 1
  rm -rf "$target.old"
  chmod a+rX "$TOOLS_DIR" "$(dirname "$target")" 2>/dev/null || true
}

# install_all LABEL SUBDIR WHAT NAME...: installs every NAME (a WHAT, for the usage line) not yet
# installed into $TOOLS_DIR/SUBDIR.
# Nothing to do needs no lock (and no write access: a root-made tools folder serves other
# accounts); otherwise one installer at a time (setup and a worker's first need may meet).
install_all() {
  local label=$1 subdir=$2 what=$3 name all_installed=1 status=0
  shift 3
  [ "$#" -gt 0 ] || { say "usage: $(basename "$0") $what..."; exit 64; }
  for name in "$@"; do is_installed "$name" || all_installed=; done
  if [ -n "$all_installed" ]; then
    for name in "$@"; do say "$label $name: $TOOLS_DIR/$subdir/$name"; done
    exit 0
  fi
  mkdir -p "$TOOLS_DIR/$subdir"
  exec 9>>"$TOOLS_DIR/$subdir/.lock"
  flock 9
  for name in "$@"; do install_one "$name" || status=$?; done
  exit "$status"
}
