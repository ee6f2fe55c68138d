#!/usr/bin/env bash
# Kills every process whose root directory is the chroot $1: what a test-fresh run started there
# (the app, its relay and peer), and nothing else. Not by session or process group: the chroot's
# processes share those with the caller, and killing them once ended CI itself.
set -u
root=$(realpath "$1")
for proc in /proc/[0-9]*; do
  if [ "$(readlink "$proc/root" 2>/dev/null)" = "$root" ]; then kill -9 "${proc#/proc/}" 2>/dev/null || true; fi
done
