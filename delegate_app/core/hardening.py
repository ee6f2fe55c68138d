"""Process hardening run first by every Delegate program that may hold plaintext or keys.

A crash dump of an unlocked process holds document text and the raw database key, and the
operating system writes it where the user (or a crash reporter uploading it) can pick it up. So:

- ``RLIMIT_CORE`` is set to 0, soft and hard: no core file, and the process cannot raise it again;
  children inherit it.
- On Linux the process is made non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``): no core even through
  a ``core_pattern`` pipe to a crash reporter (systemd-coredump, apport), and other processes of
  the same user can no longer attach with ``ptrace`` (a debugger) or read ``/proc/PID/mem``; only
  root can. The flag does not survive ``execve``, so the programs we start (the demo's relay) are
  ordinary processes again.

The trade-off: a user who wants to debug a hung Delegate must do so as root (or start it under the
debugger), and no crash reporter gets a dump to upload. That is intended.
"""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass

PR_SET_DUMPABLE = 4  # <linux/prctl.h>
PR_GET_DUMPABLE = 3


@dataclass(frozen=True)
class HardeningResult:
    """What could be applied; a platform without a mechanism reports False rather than failing."""

    core_limit_zero: bool
    non_dumpable: bool


def harden_process() -> HardeningResult:
    """Forbid core dumps (and, on Linux, same-user ptrace) for this process. Never raises."""
    return HardeningResult(core_limit_zero=_zero_core_limit(), non_dumpable=_set_non_dumpable())


def _zero_core_limit() -> bool:
    try:
        import resource
    except ImportError:  # Windows: no core files; Windows Error Reporting is a policy matter
        return False
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError):
        return False
    return True


def _set_non_dumpable() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # libc, already loaded into the process
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    if prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        return False
    return bool(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
