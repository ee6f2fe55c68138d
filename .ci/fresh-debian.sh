#!/usr/bin/env bash
# make test-fresh: the README's two commands on a machine that has nothing.
#
# Builds (once, cached) a minbase chroot of the host's Debian or Ubuntu release with only git, make
# and python3 added, clones this repository into a fresh copy of it and runs `make test` there as
# a new user would, then `make run` on a virtual display until the app's window is up. The chroot
# inherits the host's apt sources and network-only apt options, CA certificates and pip
# configuration (local indexes and wheel folders are bound in read-only), so it works wherever the
# host's own installs work, behind a proxy included. Everything runs in a private mount namespace:
# the mounts disappear with it, however the run ends.
#
# Needs root (or sudo). FRESH_CACHE_DIR (default /var/cache/delegate-test-fresh) keeps the base;
# FRESH_KEEP=1 keeps the run's tree for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env "$0" "$@"
fi

log() { printf 'test-fresh: %s\n' "$*" >&2; }
trap 'log "failed: line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT TERM

# shellcheck disable=SC1091
. /etc/os-release
SUITE=${VERSION_CODENAME:?the host release has no codename}
CACHE=${FRESH_CACHE_DIR:-/var/cache/delegate-test-fresh}
BASE_TAR="$CACHE/$SUITE-minbase.tar"
mkdir -p "$CACHE"

bash .ci/apt-install.sh debootstrap xvfb xauth x11-utils

# The host's first archive for its own suite: where debootstrap fetches the base system.
host_mirror() {
  local uri
  uri=$(awk -v suite="$SUITE" '
    /^URIs:/ { uris = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uris; exit } }
  ' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk -v suite="$SUITE" '$1 == "deb" && $0 ~ " " suite " " { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { log "no apt source for $SUITE on this host"; exit 1; }
  printf '%s\n' "$uri"
}

# Copies into the tree $1 what makes its apt, TLS and pip behave as the host's do.
inherit_host_config() {
  local root=$1 f
  mkdir -p "$root/etc/apt/sources.list.d" "$root/etc/apt/apt.conf.d" "$root/etc/ssl/certs"
  rm -f "$root/etc/apt/sources.list"
  if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$root/etc/apt/"; fi
  cp /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    "$root/etc/apt/sources.list.d/" 2>/dev/null || true
  # Keyrings the sources name by path, when the chroot has no copy of its own.
  local keys
  keys=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | grep -o 'Signed-By: *[^ ]*\|signed-by=[^] ]*' | sed 's/.*[:=] *//' | sort -u || true)
  for key in $keys; do
    if [ -f "$key" ] && [ ! -e "$root$key" ]; then install -D -m 0644 "$key" "$root$key"; fi
  done
  # apt options that only shape the network (proxies, index validity), never hooks that run programs.
  for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
    [ -f "$f" ] || continue
    if grep -q 'Acquire::' "$f" && ! grep -q 'Invoke' "$f"; then cp "$f" "$root$f"; fi
  done
  if [ -d /etc/apt/auth.conf.d ]; then cp -r /etc/apt/auth.conf.d "$root/etc/apt/"; fi
  # The host's bundle for the first downloads, and its local authorities (a proxy's, say) where
  # update-ca-certificates keeps them when the chroot installs the ca-certificates package.
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/" 2>/dev/null || true
  if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -rL /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  fi
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  for f in /etc/pip.conf /etc/xdg/pip "$HOME/.config/pip" "$HOME/.pip"; do
    [ -e "$f" ] || continue
    mkdir -p "$root$(dirname "$f")"
    cp -rL "$f" "$root$f"
  done
}

# Local folders the pip configuration points at (indexes, wheel folders), one per line.
pip_local_paths() {
  { pip3 config list 2>/dev/null || true; env | grep '^PIP_' || true; } |
    grep -o "file://[^ '\"]*\|/[^ '\"=]*" | sed 's|^file://||' | sort -u | while read -r path; do
    [ -d "$path" ] || continue
    case "$path" in */simple | */simple/) path=$(dirname "$path") ;; esac
    case "$path" in /etc/* | /root/* | /home/*) continue ;; esac
    printf '%s\n' "$path"
  done | sort -u
}

build_base() {
  local tmp
  tmp=$(mktemp -d "$CACHE/base.XXXXXX")
  log "debootstrap --variant=minbase $SUITE from $(host_mirror) (once; cached in $BASE_TAR)"
  debootstrap --variant=minbase --include=git,make,python3 "$SUITE" "$tmp/root" "$(host_mirror)" \
    >"$tmp/debootstrap.log" 2>&1 || { tail -30 "$tmp/debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
  rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*
  tar -C "$tmp/root" -cf "$BASE_TAR.part" .
  mv "$BASE_TAR.part" "$BASE_TAR"
  rm -rf "$tmp"
}

[ -f "$BASE_TAR" ] || build_base

RUN=$(mktemp -d "$CACHE/run.XXXXXX")
ROOT="$RUN/root"
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$BASE_TAR"
inherit_host_config "$ROOT"
git clone --quiet "$REPO" "$ROOT/root/delegate"

# A virtual display on the host; its socket is bound into the chroot for `make run`.
DISPLAY_NUM=$((90 + RANDOM % 100))
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!

cleanup() {
  local status=$?
  # Anything still running inside the tree (the app, its relay and peer) ends with it.
  bash .ci/kill-chroot.sh "$ROOT"
  kill "$XVFB_PID" 2>/dev/null || true
  if [ "${FRESH_KEEP:-0}" = 1 ]; then log "kept $RUN"; else rm -rf --one-file-system "$RUN"; fi
  exit "$status"
}
trap cleanup EXIT

mapfile -t BINDS < <(pip_local_paths)
export ROOT DISPLAY_NUM
export BINDS_LIST="${BINDS[*]:-}"
log "make test in a fresh $SUITE minbase chroot (git, make, python3 only)"
unshare --mount --propagation private bash .ci/fresh-debian-inside.sh
log "passed"
