"""Who is in a group, who may change it, and what a receiver flags (docs/adr/0018).

A group's id is derived from its creator's identity key and a random nonce, so only the
creator can prove to be its creator. Membership changes only through the creator's signed
``delegate/group-update`` payloads, numbered by an epoch that only grows. A member's message
never changes membership: when its signed recipients differ from the membership this profile
knows, the message is kept with an :class:`AudienceWarning` (who it reached, whom it missed,
who outside the group got it) that the GUI and ``delegatectl`` show beside it.

A member whose key has no contact here cannot be encrypted to: it is *pending*, shown as such,
and skipped when sending (the message then carries a warning naming it).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from delegate_app.core.crypto.identity import short_hash
from delegate_app.core.messaging.directory import Directory
from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.models import Conversation, ConversationKind
from delegate_app.core.messaging.payloads import GroupUpdatePayload
from delegate_app.core.messaging.receiver import Handler, Inbound
from delegate_app.core.messaging.store import MessageStore
from delegate_app.core.vault import Database
from delegate_app.i18n import N_, _

GROUP_ID_PERSON = b"delegate-group"


def new_nonce() -> str:
    return secrets.token_hex(16)


def group_uid(creator_key: str, nonce: str) -> str:
    """The group id: BLAKE2b-128 of creator key ‖ nonce, personalised ``delegate-group``."""
    return short_hash(
        bytes.fromhex(creator_key) + bytes.fromhex(nonce), GROUP_ID_PERSON, size=16
    ).hex()


class MemberState(StrEnum):
    MEMBER = "member"
    PENDING = "pending"  # no card for the key here: cannot be encrypted to, skipped
    REMOVED = "removed"  # the creator removed them

    @property
    def label(self) -> str:
        """Untranslated label (pass through ``_()`` to show)."""
        return _STATE_LABELS[self]


_STATE_LABELS = {
    MemberState.MEMBER: N_("member"),
    # TRANSLATORS: a group member whose contact card we do not have
    MemberState.PENDING: N_("pending — waiting for their card, not sent to them"),
    MemberState.REMOVED: N_("removed"),
}


@dataclass(frozen=True)
class GroupMember:
    """One person of a group as this profile knows them."""

    key: str
    name: str  # a contact's name, "you", or a shortened key (a pending member)
    state: MemberState
    is_creator: bool
    is_you: bool


# -- what a receiver flags ------------------------------------------------------------------


@dataclass(frozen=True)
class AudienceWarning:
    """A group message whose recipients were not the group: stored with the message."""

    sent_to: tuple[str, ...]  # keys it was sent to, the sender excluded
    missing: tuple[str, ...]  # members it was not sent to
    extra: tuple[str, ...]  # keys outside the group it was sent to


def check_audience(
    members: Iterable[str], recipients: Iterable[str], sender: str
) -> AudienceWarning | None:
    """Compare a message's signed recipients with the known ``members`` (everyone, us too)."""
    known = set(members) - {sender}
    signed = set(recipients) - {sender}
    if signed == known:
        return None
    return AudienceWarning(
        sent_to=tuple(sorted(signed)),
        missing=tuple(sorted(known - signed)),
        extra=tuple(sorted(signed - known)),
    )


def describe(warning: AudienceWarning, name_of: Callable[[str], str], own_key: str) -> str:
    """The warning as one plain sentence or two, with names (``you`` for this profile)."""

    def names(keys: Iterable[str]) -> str:
        shown = (_("you") if key == own_key else name_of(key) for key in keys)
        return ", ".join(sorted(shown, key=str.casefold))

    parts = []
    if warning.missing:
        parts.append(
            # TRANSLATORS: a group message that did not go to every member of the group
            _("Sent only to {names} — not to {missing}.").format(
                names=names(warning.sent_to) or _("nobody"), missing=names(warning.missing)
            )
        )
    if warning.extra:
        parts.append(
            _("Sent to someone not in this group: {names}.").format(names=names(warning.extra))
        )
    return " ".join(parts)


class MembershipStore:
    """SQL for group membership and the warnings stored with messages."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record_warning(self, message_id: int, warning: AudienceWarning) -> None:
        rows = [
            *((message_id, key, "to") for key in warning.sent_to),
            *((message_id, key, "missing") for key in warning.missing),
            *((message_id, key, "extra") for key in warning.extra),
        ]
        self.db.executemany(
            "INSERT OR IGNORE INTO message_audience (message_id, identity_key, kind)"
            " VALUES (?, ?, ?)",
            rows,
        )

    def warnings(self, conversation_id: int) -> dict[int, AudienceWarning]:
        """The warnings of a conversation's messages, by message id (unflagged ones absent)."""
        rows = self.db.query(
            "SELECT a.message_id, a.identity_key, a.kind FROM message_audience a"
            " JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = ?"
            " ORDER BY a.message_id, a.identity_key",
            (conversation_id,),
        )
        grouped: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            empty: dict[str, list[str]] = {"to": [], "missing": [], "extra": []}
            kinds = grouped.setdefault(int(row["message_id"]), empty)
            kinds[str(row["kind"])].append(str(row["identity_key"]))
        return {
            mid: AudienceWarning(tuple(k["to"]), tuple(k["missing"]), tuple(k["extra"]))
            for mid, k in grouped.items()
        }

    def removed(self, conversation_id: int) -> list[str]:
        """The keys the creator removed from the group (and did not add again)."""
        rows = self.db.query(
            "SELECT identity_key FROM group_removed WHERE conversation_id = ?"
            " ORDER BY identity_key",
            (conversation_id,),
        )
        return [str(row["identity_key"]) for row in rows]

    def nonce(self, conversation_id: int) -> str | None:
        row = self.db.query_one(
            "SELECT group_nonce FROM conversations WHERE id = ?", (conversation_id,)
        )
        return None if row is None or row["group_nonce"] is None else str(row["group_nonce"])

    def set_membership(
        self,
        conversation_id: int,
        others: Iterable[str],
        *,
        epoch: int,
        creator_key: str | None,
        self_removed: bool = False,
        title: str | None = None,
        record_removed: bool = True,
    ) -> None:
        """Replace the members (everyone but this profile) and the epoch, in one transaction;
        members left out are recorded as removed (unless ``record_removed`` is false: the
        membership replaced was only what a member's message claimed)."""
        kept = sorted(set(others))
        with self.db.transaction() as db:
            before = db.query(
                "SELECT identity_key FROM conversation_members WHERE conversation_id = ?",
                (conversation_id,),
            )
            gone = {str(row["identity_key"]) for row in before} - set(kept)
            if not record_removed:
                gone = set()
            db.execute(
                "DELETE FROM conversation_members WHERE conversation_id = ?", (conversation_id,)
            )
            db.executemany(
                "INSERT INTO conversation_members (conversation_id, identity_key) VALUES (?, ?)",
                [(conversation_id, key) for key in kept],
            )
            db.executemany(
                "INSERT OR IGNORE INTO group_removed (conversation_id, identity_key) VALUES (?, ?)",
                [(conversation_id, key) for key in sorted(gone)],
            )
            db.executemany(
                "DELETE FROM group_removed WHERE conversation_id = ? AND identity_key = ?",
                [(conversation_id, key) for key in kept],
            )
            db.execute(
                "UPDATE conversations SET membership_epoch = ?, creator_key = ?,"
                " self_removed = ?, title = coalesce(?, title) WHERE id = ?",
                (epoch, creator_key, int(self_removed), title, conversation_id),
            )


def pending_members(conversation: Conversation, directory: Directory) -> list[str]:
    """Members with no contact here (no card, so no key to encrypt to): they are skipped."""
    return [key for key in conversation.members if directory.by_key(key) is None]


# -- applying the creator's updates -------------------------------------------------------


def group_update_handler(own_key: str) -> Handler:
    """The handler for ``delegate/group-update`` for the profile ``own_key``."""

    def on_update(db: Database, inbound: Inbound) -> None:
        update = GroupUpdatePayload.from_bytes(inbound.body)
        sender = inbound.sender.key
        members = set(update.members)
        if sender not in members:
            raise PayloadError("The group update does not name its creator as a member.")
        # Every member must have been sent the update, so nobody's view can be split.
        if not members - {sender} <= set(inbound.recipients):
            raise PayloadError("The group update was not sent to every member it names.")
        store = MessageStore(db)
        conversation = store.conversation_by_uid(update.group_uid)
        if conversation is not None and conversation.kind is not ConversationKind.GROUP:
            raise PayloadError("The conversation kind does not match.")
        known_creator = None if conversation is None else conversation.creator_key
        if known_creator is None:
            # First word from a creator: the id must derive from the sender's key.
            if group_uid(sender, update.nonce) != update.group_uid:
                raise PayloadError("The group update does not come from the group's creator.")
        elif known_creator != sender:
            raise PayloadError("Only the group's creator can change its members.")
        if conversation is not None and update.epoch <= conversation.membership_epoch:
            return  # an older or repeated update: what we know is newer
        if conversation is None and own_key not in members:
            return  # a group we are not in and never were: nothing to keep
        others = members - {own_key}
        # Before the creator's first update, the members we had came from a member's message.
        was_decided = conversation is not None and known_creator is not None
        if conversation is None:
            conversation = store.create_conversation(
                kind=ConversationKind.GROUP,
                members=(),
                title=update.title,
                uid=update.group_uid,
                now=inbound.received_at,
            )
        MembershipStore(db).set_membership(
            conversation.id,
            others,
            epoch=update.epoch,
            creator_key=sender,
            self_removed=own_key not in members,
            title=update.title,
            record_removed=was_decided,
        )

    return on_update
