"""A rough passphrase strength estimate (character-class entropy), for feedback only."""

from __future__ import annotations

import math
import string

from delegate_app.i18n import N_


def estimate_bits(passphrase: str) -> float:
    if not passphrase:
        return 0.0
    pool = 0
    if any(c in string.ascii_lowercase for c in passphrase):
        pool += 26
    if any(c in string.ascii_uppercase for c in passphrase):
        pool += 26
    if any(c in string.digits for c in passphrase):
        pool += 10
    if any(c in string.punctuation or c == " " for c in passphrase):
        pool += 33
    if any(ord(c) > 127 for c in passphrase):
        pool += 100
    distinct = len(set(passphrase))
    return (
        len(passphrase) * math.log2(max(pool, 2)) * min(1.0, distinct / max(4, len(passphrase) / 2))
    )


WEAK, FAIR, STRONG, VERY_STRONG = N_("Weak"), N_("Fair"), N_("Strong"), N_("Very strong")
STRENGTH_COLOURS = {WEAK: "#c0392b", FAIR: "#d68910", STRONG: "#2e8b57", VERY_STRONG: "#1d6b42"}


def strength_label(bits: float) -> str:
    """An untranslated label; translate with ``_()`` when showing it."""
    if bits < 40:
        return WEAK
    if bits < 70:
        return FAIR
    if bits < 100:
        return STRONG
    return VERY_STRONG
