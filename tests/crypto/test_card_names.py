"""Invisible characters in card names and organisations: refused, whoever signed the card.

A hostile card is signed by its own (hostile) identity, so the parser is what must refuse it;
each case is built past ``make_card``'s own check and fed to ``parse_card`` as bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from delegate_app.core.crypto.cards import CARD_LABEL, ContactCard, make_card, parse_card
from delegate_app.core.crypto.errors import MalformedError
from delegate_app.core.crypto.identity import LocalIdentity

INVISIBLE = {
    "LEFT-TO-RIGHT MARK": "\u200e",
    "RIGHT-TO-LEFT MARK": "\u200f",
    "ARABIC LETTER MARK": "\u061c",
    "WORD JOINER": "\u2060",
    "FUNCTION APPLICATION": "\u2061",
    "INVISIBLE TIMES": "\u2062",
    "INVISIBLE SEPARATOR": "\u2063",
    "INVISIBLE PLUS": "\u2064",
    "MONGOLIAN VOWEL SEPARATOR": "\u180e",
    "SOFT HYPHEN": "\u00ad",
    "INHIBIT SYMMETRIC SWAPPING": "\u206a",
    "TAG LATIN CAPITAL LETTER A": "\U000e0041",
    "COMBINING GRAPHEME JOINER": "\u034f",
    "HANGUL FILLER": "\u3164",
    "HALFWIDTH HANGUL FILLER": "\uffa0",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
    "RIGHT-TO-LEFT OVERRIDE": "\u202e",
    "ZERO WIDTH SPACE": "\u200b",
}
KEPT = [
    "ناصر\u200cزاده",  # ZERO WIDTH NON-JOINER (Persian)
    "क्\u200dष",  # ZERO WIDTH JOINER (Devanagari)
    "葛\U000e0100城",  # an ideographic variation selector (a Japanese family name's glyph)
    "أمينة حداد",
    "<b>Jonas</b> & Berg",  # markup is text; the GUI shows it as text
]


def _identity() -> LocalIdentity:
    seed = hashlib.sha256(b"card-names").digest()
    return LocalIdentity(
        seed, hashlib.sha256(seed + b"enc").digest(), hashlib.sha256(seed + b"mb").digest()
    )


def _hostile_card_bytes(name: str, organisation: str) -> bytes:
    """A card with these fields, validly signed by its identity (as a hostile client would)."""
    identity = _identity()
    honest = make_card(identity, name="Jonas", organisation="Embassy", relay_url="", created=1)
    card: ContactCard = dataclasses.replace(honest, name=name, organisation=organisation)
    signed = dataclasses.replace(card, signature=identity.sign(CARD_LABEL + card.signed_bytes()))
    return signed.to_bytes()


@pytest.mark.parametrize("character", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_cards_with_invisible_characters_in_names_are_refused(character: str) -> None:
    with pytest.raises(MalformedError):
        parse_card(_hostile_card_bytes(f"Jonas{character}Berg", "Embassy"))
    with pytest.raises(MalformedError):
        parse_card(_hostile_card_bytes("Jonas Berg", f"Emb{character}assy"))
    with pytest.raises(MalformedError):
        make_card(_identity(), name=f"Jo{character}nas", organisation="", relay_url="", created=1)


@pytest.mark.parametrize("name", KEPT)
def test_joiners_variation_selectors_and_markup_stay_allowed(name: str) -> None:
    card = parse_card(_hostile_card_bytes(name, name))
    assert (card.name, card.organisation) == (name, name)
