#!/usr/bin/env bash
# The part of `make test-fresh` that runs in its private mount namespace (see fresh-debian.sh):
# mounts what a booted system would have, then `make test` and `make run` inside the chroot $ROOT.
set -euo pipefail
: "${ROOT:?}" "${DISPLAY_NUM:?}"

mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
mkdir -p "$ROOT/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
for path in ${BINDS_LIST:-}; do
  mkdir -p "$ROOT$path"
  mount --bind "$path" "$ROOT$path"
  mount -o remount,bind,ro "$ROOT$path"
done

passthrough=()
for name in CI http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
  $(compgen -e | grep '^PIP_' || true); do
  if [ -n "${!name:-}" ]; then passthrough+=("$name=${!name}"); fi
done

# A login-less shell in the chroot with nothing of the host's environment but the above.
in_chroot() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${passthrough[@]}" "$@"
}

in_chroot bash -c 'cd /root/delegate && make test'
echo "test-fresh: make test passed; now make run on a virtual display" >&2

RUN_LOG="$ROOT/../make-run.log"
in_chroot setsid bash -c "cd /root/delegate && DISPLAY=:$DISPLAY_NUM exec make run" \
  >"$RUN_LOG" 2>&1 &
app=$!
trap 'bash "$(dirname "$0")/kill-chroot.sh" "$ROOT"' EXIT
for _ in $(seq 1 240); do
  if DISPLAY=":$DISPLAY_NUM" xwininfo -root -tree 2>/dev/null | grep -q '"Delegate'; then
    echo "test-fresh: make run shows its window:" >&2
    DISPLAY=":$DISPLAY_NUM" xwininfo -root -tree | grep '"Delegate' | head -3 >&2
    exit 0
  fi
  if ! kill -0 "$app" 2>/dev/null; then
    echo "test-fresh: make run ended before its window appeared:" >&2
    tail -40 "$RUN_LOG" >&2
    exit 1
  fi
  sleep 1
done
echo "test-fresh: no Delegate window after 240 s:" >&2
tail -40 "$RUN_LOG" >&2
exit 1
