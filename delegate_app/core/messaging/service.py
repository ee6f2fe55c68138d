"""Messaging as the user does it: send to a contact or a group, read, receipts, expiry.

Sending writes the message, its recipients' states and its outbox entry in one
transaction: once :meth:`Messenger.send_text` returns, the message will go out
whenever a relay is reachable, across restarts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from delegate_app.core.messaging.directory import Correspondent, Directory
from delegate_app.core.messaging.drafts import DraftStore
from delegate_app.core.messaging.errors import ConversationNotFoundError, MessagingError
from delegate_app.core.messaging.membership import (
    AudienceWarning,
    GroupMember,
    MembershipStore,
    MemberState,
    describe,
    group_uid,
    new_nonce,
    pending_members,
)
from delegate_app.core.messaging.models import (
    Conversation,
    ConversationKind,
    Message,
    Priority,
)
from delegate_app.core.messaging.outbox import MESSAGE_KIND
from delegate_app.core.messaging.payloads import (
    GROUP_UPDATE_TYPE,
    MAX_EXCERPT,
    MAX_TEXT,
    MAX_TITLE,
    MESSAGE_TYPE,
    RECEIPT_TYPE,
    ConversationRef,
    GroupUpdatePayload,
    MessagePayload,
    QuoteRef,
    ReceiptPayload,
)
from delegate_app.core.messaging.sending import Sender
from delegate_app.core.messaging.store import MessageStore, new_uid
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database
from delegate_app.i18n import _

DAY = 86_400.0
RECEIPT_BATCH = 500
GROUP_UPDATE_KIND = "group-update"


def effective_expiry_days(conversation_days: int | None, policy: Policy) -> int | None:
    """The conversation's timer, shortened to the organisation's forced expiry if any."""
    forced = policy.value("forced_message_expiry_days")
    if forced is None:
        return conversation_days
    return forced if conversation_days is None else min(int(forced), conversation_days)


class Messenger:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        directory: Directory,
        policy: Policy,
    ) -> None:
        self.db = db
        self.sender = sender
        self.directory = directory
        self.policy = policy
        self.store = MessageStore(db)
        self.drafts = DraftStore(db)

    # -- conversations ---------------------------------------------------------------------

    def conversations(self) -> list[Conversation]:
        return self.store.conversations()

    def direct_conversation(self, name: str) -> Conversation:
        """The 1:1 conversation with contact ``name`` (created on first use)."""
        contact = self.directory.by_name(name)
        existing = self.store.direct_with(contact.key)
        if existing is not None:
            return existing
        return self.store.create_conversation(kind=ConversationKind.DIRECT, members=[contact.key])

    def create_group(
        self, title: str, member_names: Sequence[str], *, now: float | None = None
    ) -> Conversation:
        """A group conversation (e.g. a delegation's members), created by this profile: its id
        derives from our key, and its membership goes to every member as a signed update."""
        title = title.strip()
        if not title or len(title) > MAX_TITLE:
            raise MessagingError(_("A group needs a name of at most 200 characters."))
        if self.store.groups_named(title):
            raise MessagingError(_("A group named {name} already exists.").format(name=title))
        members = [self.directory.by_name(name) for name in member_names]
        if not members:
            raise MessagingError(_("A group needs at least one member besides you."))
        for member in members:
            self.directory.check_can_send(member)
        nonce = new_nonce()
        with self.db.transaction() as db:
            group = self.store.create_conversation(
                kind=ConversationKind.GROUP,
                title=title,
                members=[m.key for m in members],
                uid=group_uid(self.sender.key, nonce),
                creator_key=self.sender.key,
                group_nonce=nonce,
                membership_epoch=1,
                now=now,
            )
            self._send_update(db, group, nonce, members, now=now)
        return group

    def _send_update(
        self,
        db: Database,
        group: Conversation,
        nonce: str,
        recipients: Sequence[Correspondent],
        *,
        now: float | None,
    ) -> None:
        if not recipients:
            return
        update = GroupUpdatePayload(
            group_uid=group.uid,
            nonce=nonce,
            title=group.title or "",
            members=tuple(sorted({*group.members, self.sender.key})),
            epoch=group.membership_epoch,
        )
        self.sender.enqueue(
            db,
            recipients,
            content_type=GROUP_UPDATE_TYPE,
            body=update.to_bytes(),
            kind=GROUP_UPDATE_KIND,
            priority=Priority.MESSAGE,
            now=now,
        )

    def pending_members(self, conversation: Conversation) -> list[str]:
        """Members we have no contact card for: shown as pending, skipped when sending."""
        return pending_members(conversation, self.directory)

    def remove_member(
        self, conversation: Conversation, member: str, *, now: float | None = None
    ) -> Conversation:
        """Remove ``member`` (a contact's name or an identity key) from a group.

        Only the group's creator changes membership for everyone: when that is us, every
        member, the removed one included, is sent the new membership. A group whose creator
        is not known (made before groups had one) changes here only: we stop sending to them.
        """
        if conversation.kind is not ConversationKind.GROUP:
            raise MessagingError(_("Only members of a group can be removed."))
        key = self._member_key(conversation, member)
        creator = conversation.creator_key
        if creator is not None and creator != self.sender.key:
            raise MessagingError(
                _("Only the group's creator, {name}, can remove members.").format(
                    name=self.directory.display_name(creator)
                )
            )
        nonce = MembershipStore(self.db).nonce(conversation.id)
        remaining = [k for k in conversation.members if k != key]
        epoch = conversation.membership_epoch + 1 if creator is not None else 0
        with self.db.transaction() as db:
            MembershipStore(db).set_membership(
                conversation.id, remaining, epoch=epoch, creator_key=creator
            )
            updated = self.store.conversation(conversation.id)
            if creator is not None and nonce is not None:
                found = (self.directory.by_key(k) for k in (*remaining, key))
                told = [c for c in found if c is not None]
                self._send_update(db, updated, nonce, told, now=now)
        return updated

    def group_members(self, conversation: Conversation) -> list[GroupMember]:
        """Everyone of a group as we know them: us first, then members by name (pending ones
        last), then those the creator removed."""
        if conversation.kind is not ConversationKind.GROUP:
            raise MessagingError(_("This conversation is not a group."))
        creator = conversation.creator_key
        own = self.sender.key
        pending = set(self.pending_members(conversation))

        def member(key: str, state: MemberState) -> GroupMember:
            name = _("you") if key == own else self.directory.display_name(key)
            return GroupMember(key, name, state, key == creator, key == own)

        you = member(own, MemberState.REMOVED if conversation.self_removed else MemberState.MEMBER)
        current = [
            member(k, MemberState.PENDING if k in pending else MemberState.MEMBER)
            for k in conversation.members
        ]
        removed = [
            member(k, MemberState.REMOVED)
            for k in MembershipStore(self.db).removed(conversation.id)
            if k not in conversation.members and k != own
        ]

        def by_name(m: GroupMember) -> tuple[bool, str, str]:
            return (m.state is MemberState.PENDING, m.name.casefold(), m.key)

        return [you, *sorted(current, key=by_name), *sorted(removed, key=by_name)]

    def audience_warnings(self, conversation_id: int) -> dict[int, AudienceWarning]:
        """Messages of a conversation that did not go to the whole group, by message id."""
        return MembershipStore(self.db).warnings(conversation_id)

    def describe_warning(self, warning: AudienceWarning) -> str:
        """The warning as plain sentences with names ("you" for us)."""
        return describe(warning, self.directory.display_name, self.sender.key)

    def _member_key(self, conversation: Conversation, member: str) -> str:
        wanted = member.strip()
        if wanted in conversation.members:
            return wanted
        matches = [k for k in conversation.members if self.directory.display_name(k) == wanted]
        if len(matches) != 1:
            raise MessagingError(
                _("{name} is not a member of {group}.").format(
                    name=wanted, group=conversation.title or _("(group)")
                )
            )
        return matches[0]

    def group(self, title: str) -> Conversation:
        groups = self.store.groups_named(title.strip())
        if not groups:
            raise ConversationNotFoundError(_("No group named {name}.").format(name=title))
        return groups[0]

    def set_expiry(self, conversation_id: int, days: int | None) -> None:
        if days is not None and not 1 <= days <= 3650:
            raise MessagingError(_("Expiry must be from 1 to 3650 days."))
        self.store.set_expiry(conversation_id, days)

    # -- sending ---------------------------------------------------------------------------

    def send_text(self, name: str, text: str, *, now: float | None = None) -> Message:
        return self.send_in(self.direct_conversation(name), text, now=now)

    def send_to_group(self, title: str, text: str, *, now: float | None = None) -> Message:
        return self.send_in(self.group(title), text, now=now)

    def _recipients(self, conversation: Conversation) -> list[Correspondent]:
        if conversation.self_removed:
            raise MessagingError(_("You are no longer a member of this group."))
        recipients = []
        for key in conversation.members:
            contact = self.directory.by_key(key)
            if contact is None:
                if conversation.kind is ConversationKind.GROUP:
                    continue  # pending: no card to encrypt to; the rest still get it
                raise MessagingError(
                    _("A member of this conversation is no longer a contact: {name}.").format(
                        name=self.directory.display_name(key)
                    )
                )
            self.directory.check_can_send(contact)
            recipients.append(contact)
        if not recipients:
            raise MessagingError(
                _("No member of this group can be sent to yet: import their cards first.")
            )
        return recipients

    def send_in(
        self,
        conversation: Conversation,
        text: str,
        *,
        now: float | None = None,
        quoting: Message | None = None,
    ) -> Message:
        """Queue ``text`` to everyone in ``conversation`` (refused if any key change is pending).
        ``quoting``: the message of this conversation it replies to."""
        quote = None if quoting is None else self._quote(conversation, quoting)
        if not text.strip():
            raise MessagingError(_("A message cannot be empty."))
        if len(text) > MAX_TEXT:
            raise MessagingError(_("The message is too long."))
        now = time.time() if now is None else now
        recipients = self._recipients(conversation)
        skipped = sorted(set(conversation.members) - {r.key for r in recipients})
        days = effective_expiry_days(conversation.expiry_days, self.policy)
        uid = new_uid()
        payload = MessagePayload(
            conversation=ConversationRef(
                uid=conversation.uid,
                kind=conversation.kind.value,
                title=conversation.title,
                members=tuple(sorted({*(r.key for r in recipients), self.sender.key})),
            ),
            message_uid=uid,
            text=text,
            expiry_days=days,
            quote=quote,
        )
        with self.db.transaction() as db:
            message_id = self.store.insert_outgoing(
                conversation_id=conversation.id,
                uid=uid,
                body=text,
                sent_at=now,
                expires_at=None if days is None else now + days * DAY,
                recipients=[r.key for r in recipients],
                quote=None if quote is None else (quote.message_uid, quote.excerpt),
            )
            if skipped:
                MembershipStore(db).record_warning(
                    message_id,
                    AudienceWarning(tuple(sorted(r.key for r in recipients)), tuple(skipped), ()),
                )
            self.sender.enqueue(
                db,
                recipients,
                content_type=MESSAGE_TYPE,
                body=payload.to_bytes(),
                kind=MESSAGE_KIND,
                priority=Priority.MESSAGE,
                ref=uid,
                now=now,
            )
            self.drafts.save(conversation.id, "")  # sent: the draft is gone with it
        message = self.store.message_by_uid(uid)
        if message is None:  # pragma: no cover - committed just above
            raise MessagingError(_("The message could not be stored."))
        return message

    @staticmethod
    def _quote(conversation: Conversation, message: Message) -> QuoteRef:
        if message.conversation_id != conversation.id:
            raise MessagingError(_("Only a message of this conversation can be quoted."))
        return QuoteRef(message.uid, " ".join(message.body.split())[:MAX_EXCERPT])

    # -- reading and receipts --------------------------------------------------------------

    def messages(self, conversation_id: int | None = None) -> list[Message]:
        return self.store.messages(conversation_id)

    def mark_read(self, conversation_id: int) -> int:
        """Mark incoming messages read; owe read receipts when the policy allows them."""
        unread = self.store.unread_incoming(conversation_id)
        if not unread:
            return 0
        with self.db.transaction() as db:
            self.store.set_read([m.id for m in unread])
            if self.policy.value("read_receipts"):
                db.executemany(
                    "INSERT OR IGNORE INTO receipts_owed (sender_key, kind, message_uid)"
                    " VALUES (?, 'read', ?)",
                    [(m.sender_key, m.uid) for m in unread if m.sender_key],
                )
        return len(unread)

    def flush_receipts(self, *, now: float | None = None) -> int:
        """Seal the receipts owed (one envelope per correspondent and kind) into the outbox."""
        rows = self.db.query(
            "SELECT sender_key, kind, message_uid FROM receipts_owed"
            " ORDER BY sender_key, kind, message_uid"
        )
        grouped: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            grouped.setdefault((str(row["sender_key"]), str(row["kind"])), []).append(
                str(row["message_uid"])
            )
        sent = 0
        for (sender_key, kind), uids in grouped.items():
            contact = self.directory.by_key(sender_key)
            with self.db.transaction() as db:
                if contact is not None:
                    for start in range(0, len(uids), RECEIPT_BATCH):
                        batch = uids[start : start + RECEIPT_BATCH]
                        self.sender.enqueue(
                            db,
                            [contact],
                            content_type=RECEIPT_TYPE,
                            body=ReceiptPayload(kind, tuple(batch)).to_bytes(),
                            kind="receipt",
                            priority=Priority.RECEIPT,
                            now=now,
                        )
                        sent += 1
                db.executemany(
                    "DELETE FROM receipts_owed WHERE sender_key = ? AND kind = ?"
                    " AND message_uid = ?",
                    [(sender_key, kind, uid) for uid in uids],
                )
        return sent

    # -- expiry ----------------------------------------------------------------------------

    def sweep_expired(self, *, now: float | None = None) -> int:
        """Delete messages whose disappearing timer ran out."""
        return self.store.sweep_expired(time.time() if now is None else now)
