"""``send``, ``messages``, ``groups``, ``expiry``, ``share``, ``shared``, ``comment``, ``comments``,
``resolve`` and ``sync``: messaging and shared documents from the command line."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from delegate_app.cli.common import (
    CliError,
    add_json_option,
    command,
    policy,
    print_json,
    print_table,
    unlocked_vault,
)
from delegate_app.cli.request_commands import discarded_line as _discarded_line
from delegate_app.core.formatting import format_datetime
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.inbox import InboxState
from delegate_app.core.messaging.membership import AudienceWarning, GroupMember
from delegate_app.core.messaging.models import Conversation, ConversationKind, Direction, Message
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.service import effective_expiry_days
from delegate_app.core.sharing.attachment_status import AttachmentState, AttachmentStatus
from delegate_app.core.sharing.models import Comment
from delegate_app.i18n import _, ngettext
from sync.client.engine import SyncEngine, SyncReport
from sync.client.state import SyncState


def register(subparsers: Any) -> None:
    send = subparsers.add_parser("send", help=_("send a message to a contact or a group"))
    send.add_argument("name", metavar="NAME", nargs="?", help=_("the contact's name"))
    send.add_argument("text", metavar="TEXT")
    send.add_argument("--group", metavar="GROUP", help=_("send to this group instead"))
    command(send, cmd_send)

    messages = subparsers.add_parser("messages", help=_("list messages"))
    messages.add_argument("--with", dest="with_name", metavar="NAME", help=_("one contact only"))
    messages.add_argument("--group", metavar="GROUP", help=_("one group only"))
    messages.add_argument(
        "--mark-read", action="store_true", help=_("mark the listed messages read")
    )
    add_json_option(messages)
    command(messages, cmd_messages)

    groups = subparsers.add_parser("groups", help=_("group conversations (a delegation)"))
    gsub = groups.add_subparsers(dest="groups_command", metavar="ACTION", required=True)
    create = gsub.add_parser("create", help=_("create a group of contacts"))
    create.add_argument("name", metavar="NAME")
    create.add_argument("members", metavar="MEMBER", nargs="+")
    command(create, cmd_groups_create)
    lst = gsub.add_parser("list", help=_("list conversations and groups"))
    add_json_option(lst)
    command(lst, cmd_groups_list)
    members = gsub.add_parser(
        "members", help=_("a group's members, its creator, pending and removed members")
    )
    members.add_argument("group", metavar="GROUP")
    add_json_option(members)
    command(members, cmd_groups_members)
    remove = gsub.add_parser(
        "remove", help=_("remove a member from a group you created (everyone is told)")
    )
    remove.add_argument("group", metavar="GROUP")
    remove.add_argument(
        "member", metavar="MEMBER", help=_("the member's name, or their identity key")
    )
    command(remove, cmd_groups_remove)

    expiry = subparsers.add_parser(
        "expiry", help=_("make messages in a conversation disappear after N days")
    )
    expiry.add_argument("name", metavar="NAME", nargs="?", help=_("the contact's name"))
    expiry.add_argument("--group", metavar="GROUP")
    expiry.add_argument("days", metavar="DAYS", help=_("a number of days, or 'off'"))
    command(expiry, cmd_expiry)

    share = subparsers.add_parser(
        "share", help=_("send a document (with its PDF) to contacts or a group")
    )
    share.add_argument("doc_id", type=int, metavar="DOC_ID")
    share.add_argument(
        "names", metavar="NAME", nargs="*", help=_("none: send the current version to all holders")
    )
    share.add_argument("--group", metavar="GROUP")
    command(share, cmd_share)

    shared = subparsers.add_parser(
        "shared",
        help=_("provenance, holders, open conflicts and the attachment's state of a document"),
    )
    shared.add_argument("doc_id", type=int, metavar="DOC_ID")
    add_json_option(shared)
    command(shared, cmd_shared)

    resolve = subparsers.add_parser("resolve", help=_("resolve a conflict on a shared document"))
    resolve.add_argument("conflict_id", type=int, metavar="CONFLICT_ID")
    resolve.add_argument("--keep", choices=("mine", "theirs"), default="mine")
    command(resolve, cmd_resolve)

    comment = subparsers.add_parser("comment", help=_("comment on a document"))
    comment.add_argument("doc_id", type=int, metavar="DOC_ID")
    comment.add_argument("text", metavar="TEXT")
    comment.add_argument("--reply-to", type=int, metavar="ID", help=_("answer comment ID"))
    comment.add_argument("--quote", metavar="TEXT", help=_("quote a passage of the document"))
    command(comment, cmd_comment)

    comments = subparsers.add_parser("comments", help=_("list a document's comment thread"))
    comments.add_argument("doc_id", type=int, metavar="DOC_ID")
    add_json_option(comments)
    command(comments, cmd_comments)

    sync = subparsers.add_parser("sync", help=_("exchange messages and documents with the relay"))
    sync.add_argument("--once", action="store_true", help=_("one pass, then exit"))
    sync.add_argument(
        "--interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help=_("without --once: seconds between passes when all is done (default 30)"),
    )
    add_json_option(sync)
    command(sync, cmd_sync)


def _room(vault: Any) -> Mailroom:
    return Mailroom.open(vault.db, policy())


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


# -- messages ------------------------------------------------------------------------------


def cmd_send(args: argparse.Namespace) -> int:
    if (args.name is None) == (args.group is None):
        raise CliError(_("Name one contact, or a group with --group."), exit_code=2)
    with unlocked_vault(args) as vault:
        room = _room(vault)
        if args.group is not None:
            message = room.messenger.send_to_group(args.group, args.text)
        else:
            message = room.messenger.send_text(args.name, args.text)
    print(_("Queued message {uid}; run 'delegatectl sync' to send it.").format(uid=message.uid))
    return 0


def _conversation_label(room: Mailroom, conversation: Conversation) -> str:
    if conversation.kind is ConversationKind.GROUP:
        return conversation.title or _("(group)")
    return ", ".join(room.directory.display_name(k) for k in conversation.members)


def _people(room: Mailroom, keys: tuple[str, ...]) -> list[dict[str, str]]:
    own = room.messenger.sender.key
    return [
        {"key": k, "name": _("you") if k == own else room.directory.display_name(k)} for k in keys
    ]


def _warning_json(room: Mailroom, warning: AudienceWarning | None) -> dict[str, Any] | None:
    if warning is None:
        return None
    return {
        "text": room.messenger.describe_warning(warning),
        "sent_to": _people(room, warning.sent_to),
        "missing": _people(room, warning.missing),
        "extra": _people(room, warning.extra),
    }


def _message_json(
    room: Mailroom,
    message: Message,
    conversation: Conversation,
    warning: AudienceWarning | None = None,
) -> dict[str, Any]:
    sender = None if message.sender_key is None else room.directory.display_name(message.sender_key)
    return {
        "id": message.id,
        "uid": message.uid,
        "conversation": {
            "id": conversation.id,
            "kind": conversation.kind.value,
            "title": _conversation_label(room, conversation),
        },
        "direction": message.direction.value,
        "sender": sender,
        "sender_key": message.sender_key,
        "sent_at": _iso(message.sent_at),
        "received_at": _iso(message.received_at),
        "state": message.state.value,
        "read": message.is_read,
        "text": message.body,
        "expires_at": _iso(message.expires_at),
        "recipients": [
            {"name": room.directory.display_name(r.identity_key), "state": r.state.value}
            for r in room.messenger.store.recipient_states(message.id)
        ],
        "audience_warning": _warning_json(room, warning),
    }


def cmd_messages(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = _room(vault)
        room.messenger.sweep_expired()
        if args.with_name is not None:
            conversations = [room.messenger.direct_conversation(args.with_name)]
        elif args.group is not None:
            conversations = [room.messenger.group(args.group)]
        else:
            conversations = room.messenger.conversations()
        by_id = {c.id: c for c in conversations}
        listed: list[Message] = []
        warnings: dict[int, AudienceWarning] = {}
        for conversation in conversations:
            listed.extend(room.messenger.messages(conversation.id))
            if conversation.kind is ConversationKind.GROUP:
                warnings.update(room.messenger.audience_warnings(conversation.id))
        listed.sort(key=lambda m: (m.received_at or m.sent_at, m.id))
        if args.json:
            print_json(
                [
                    _message_json(room, m, by_id[m.conversation_id], warnings.get(m.id))
                    for m in listed
                ]
            )
        else:
            rows = []
            for message in listed:
                sender = (
                    _("you")
                    if message.direction is Direction.OUT
                    else room.directory.display_name(message.sender_key or "")
                )
                rows.append(
                    [
                        str(message.id),
                        _conversation_label(room, by_id[message.conversation_id]),
                        sender,
                        format_datetime(message.received_at or message.sent_at, "short"),
                        _(message.state.label),
                        _with_warning(room, message, warnings.get(message.id)),
                    ]
                )
            if rows:
                print_table(
                    rows,
                    [_("ID"), _("CONVERSATION"), _("FROM"), _("TIME"), _("STATE"), _("TEXT")],
                )
            else:
                print(_("No messages."))
        if args.mark_read:
            for conversation in conversations:
                room.messenger.mark_read(conversation.id)
    return 0


def _with_warning(room: Mailroom, message: Message, warning: AudienceWarning | None) -> str:
    text = message.body.replace("\n", " ")
    if warning is None:
        return text
    # TRANSLATORS: a message's text, then why it did not go to the whole group
    return _("{text}  [! {warning}]").format(
        text=text, warning=room.messenger.describe_warning(warning)
    )


def cmd_groups_create(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        group = _room(vault).messenger.create_group(args.name, args.members)
    print(
        ngettext(
            "Created group {name} with {count} member besides you.",
            "Created group {name} with {count} members besides you.",
            len(group.members),
        ).format(name=group.title, count=len(group.members))
    )
    return 0


def cmd_groups_list(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = _room(vault)
        conversations = room.messenger.conversations()
        data: list[dict[str, Any]] = [
            {
                "id": c.id,
                "kind": c.kind.value,
                "title": _conversation_label(room, c),
                "members": [room.directory.display_name(k) for k in c.members],
                "expiry_days": effective_expiry_days(c.expiry_days, room.policy),
            }
            for c in conversations
        ]
    if args.json:
        print_json(data)
    elif data:
        print_table(
            [
                [
                    str(d["id"]),
                    str(d["kind"]),
                    str(d["title"]),
                    ", ".join(d["members"]),
                    str(d["expiry_days"] or "-"),
                ]
                for d in data
            ],
            [_("ID"), _("KIND"), _("NAME"), _("MEMBERS"), _("EXPIRY (DAYS)")],
        )
    else:
        print(_("No conversations."))
    return 0


def _member_json(member: GroupMember) -> dict[str, Any]:
    return {
        "key": member.key,
        "name": member.name,
        "state": member.state.value,
        "creator": member.is_creator,
        "you": member.is_you,
    }


def cmd_groups_members(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = _room(vault)
        group = room.messenger.group(args.group)
        members = room.messenger.group_members(group)
        creator = group.creator_key
        creator_name = next((m.name for m in members if m.is_creator), None)
    if args.json:
        print_json(
            {
                "group": {"id": group.id, "uid": group.uid, "title": group.title},
                "creator": None if creator is None else {"key": creator, "name": creator_name},
                "members": [_member_json(m) for m in members],
            }
        )
        return 0
    if creator is None:
        print(_("Creator: not known (only local changes are possible)."))
    else:
        print(_("Creator: {name}").format(name=creator_name or creator[:12] + "…"))
    print_table(
        [
            [
                m.name,
                _(m.state.label) + (" · " + _("creator") if m.is_creator else ""),
                m.key,
            ]
            for m in members
        ],
        [_("NAME"), _("STATE"), _("IDENTITY KEY")],
    )
    return 0


def cmd_groups_remove(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = _room(vault)
        group = room.messenger.group(args.group)
        before = set(group.members)
        updated = room.messenger.remove_member(group, args.member)
        (removed,) = before - set(updated.members)
        name = room.directory.display_name(removed)
    if updated.creator_key is None:
        print(
            _("Removed {name} from {group} here only: its creator is not known.").format(
                name=name, group=updated.title or _("(group)")
            )
        )
    else:
        print(
            _("Removed {name} from {group}; run 'delegatectl sync' to tell every member.").format(
                name=name, group=updated.title or _("(group)")
            )
        )
    return 0


def cmd_expiry(args: argparse.Namespace) -> int:
    if (args.name is None) == (args.group is None):
        raise CliError(_("Name one contact, or a group with --group."), exit_code=2)
    if args.days == "off":
        days = None
    else:
        try:
            days = int(args.days)
        except ValueError:
            raise CliError(_("DAYS must be a number of days or 'off'."), exit_code=2) from None
    with unlocked_vault(args) as vault:
        room = _room(vault)
        conversation = (
            room.messenger.group(args.group)
            if args.group is not None
            else room.messenger.direct_conversation(args.name)
        )
        room.messenger.set_expiry(conversation.id, days)
        effective = effective_expiry_days(days, room.policy)
    if effective is None:
        print(_("Messages in this conversation are kept."))
    else:
        print(
            ngettext(
                "New messages in this conversation disappear after {days} day.",
                "New messages in this conversation disappear after {days} days.",
                effective,
            ).format(days=effective)
        )
    return 0


# -- shared documents ----------------------------------------------------------------------


def cmd_share(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        result = _room(vault).sharing.share(args.doc_id, args.names, group=args.group)
    print(
        _("Queued version {revision} for: {names}.").format(
            revision=result.revision[:8], names=", ".join(result.recipients)
        )
    )
    return 0


def cmd_shared(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = _room(vault)
        provenance = room.sharing.provenance(args.doc_id)
        holders = [room.directory.display_name(k) for k in room.sharing.holders(args.doc_id)]
        conflicts = room.sharing.conflicts(args.doc_id)
        attachment = room.sharing.attachment(args.doc_id)
        recipients = [c.name for c in room.sharing.comment_recipients(args.doc_id)]
        notices = room.sharing.audience_notices(args.doc_id)
        data: dict[str, Any] = {
            "shared": provenance is not None,
            "origin": None
            if provenance is None or provenance.origin_key is None
            else room.directory.display_name(provenance.origin_key),
            "shared_by": None
            if provenance is None or provenance.shared_by is None
            else room.directory.display_name(provenance.shared_by),
            "received_at": None if provenance is None else _iso(provenance.received_at),
            "signature_verified": bool(provenance and provenance.verified),
            "holders": holders,
            "comment_recipients": recipients,
            "audience_notices": [
                {
                    "from": room.directory.display_name(n.sender_key),
                    "received_at": _iso(n.received_at),
                    "tried_to_add": [room.directory.display_name(k) for k in n.added_keys],
                }
                for n in notices
            ],
            "conflicts": [
                {
                    "id": c.id,
                    "from": room.directory.display_name(c.author_key),
                    "received_at": _iso(c.received_at),
                    "title": c.title,
                    "text": c.body,
                }
                for c in conflicts
            ],
            "attachment": None
            if attachment is None
            else {
                "filename": attachment.filename,
                "size": attachment.size,
                "state": attachment.state.value,
                "reason": attachment.reason,
                "retry_at": None
                if attachment.retry_at is None
                else _iso(datetime.fromtimestamp(attachment.retry_at, tz=UTC)),
            },
        }
    if args.json:
        print_json(data)
        return 0
    if provenance is None:
        print(_("This document has not been shared."))
        return 0
    if data["origin"] is None:
        print(_("You shared this document."))
    else:
        print(
            _("Received from {name} on {time}; signature verified.").format(
                name=data["shared_by"],
                time=format_datetime(provenance.received_at) if provenance.received_at else "-",
            )
        )
    print(_("Held by: {names}").format(names=", ".join(holders) or "-"))
    if recipients:
        print(_("Your comment will go to: {names}.").format(names=", ".join(recipients)))
    else:
        print(_("Your comment will stay in your vault: nobody else holds this document."))
    for notice in data["audience_notices"]:
        print(
            _(
                "{name} tried to change who this document is shared with; the change was ignored."
            ).format(name=notice["from"])
        )
    if attachment is not None:
        print(_attachment_line(attachment))
    for conflict in data["conflicts"]:
        print(
            _("Conflict {id}: a version from {name} edits the same passages as yours.").format(
                id=conflict["id"], name=conflict["from"]
            )
        )
    return 0


def _attachment_line(attachment: AttachmentStatus) -> str:
    name = attachment.filename
    if attachment.state is AttachmentState.RECEIVED:
        return _("Attachment {name}: received.").format(name=name)
    if attachment.state is AttachmentState.REFUSED:
        return _("Attachment {name}: {reason}").format(name=name, reason=attachment.reason or "")
    if attachment.state is AttachmentState.WAITING:
        return _("Attachment {name}: not downloaded yet, retried later: {reason}").format(
            name=name, reason=attachment.reason or ""
        )
    return _("Attachment {name}: downloading ({percent}%).").format(
        name=name, percent=attachment.done * 100 // max(attachment.total, 1)
    )


def cmd_resolve(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        _room(vault).sharing.resolve(args.conflict_id, keep=args.keep)
    print(_("Conflict resolved."))
    return 0


def _comment_json(room: Mailroom, comment: Comment, by_uid: dict[str, Comment]) -> dict[str, Any]:
    parent = by_uid.get(comment.reply_to) if comment.reply_to else None
    return {
        "id": comment.id,
        "uid": comment.uid,
        "author": _("you")
        if comment.author_key is None
        else room.directory.display_name(comment.author_key),
        "author_key": comment.author_key,
        "text": comment.body,
        "quote": comment.quote,
        "reply_to": None if parent is None else parent.id,
        "created_at": _iso(comment.created_at),
    }


def cmd_comment(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        created = _room(vault).sharing.comment(
            args.doc_id, args.text, reply_to=args.reply_to, quote=args.quote
        )
    print(_("Comment {id} added.").format(id=created.id))
    return 0


def cmd_comments(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = _room(vault)
        thread = room.sharing.comments(args.doc_id)
        by_uid = {c.uid: c for c in thread}
        data = [_comment_json(room, c, by_uid) for c in thread]
    if args.json:
        print_json(data)
        return 0
    if not data:
        print(_("No comments."))
    for item in data:
        prefix = "  " if item["reply_to"] else ""
        print(f"{prefix}[{item['id']}] {item['author']}, {item['created_at']}")
        if item["quote"]:
            print(f"{prefix}  > {item['quote']}")
        print(f"{prefix}  {item['text']}")
    return 0


# -- sync ----------------------------------------------------------------------------------


def _report_json(report: SyncReport, state: SyncState) -> dict[str, Any]:
    return {
        "state": state.status.value,
        "description": state.describe(),
        "sent": report.sent,
        "received": report.received,
        "duplicates": report.duplicates,
        "held": report.held,
        "discarded": report.discarded,
        "requests_expired": report.requests_expired,
        "rejected": [{"envelope_id": e, "reason": r} for e, r in report.rejected],
        "failed_deliveries": report.failed_deliveries,
        "attachments_sent": report.attachments_sent,
        "attachments_received": report.attachments_received,
        "attachments_refused": report.attachments_refused,
        "attachments_waiting": report.attachments_waiting,
        "uploaded_bytes": report.uploaded_bytes,
        "downloaded_bytes": report.downloaded_bytes,
        "expired": report.expired,
        "errors": report.errors,
    }


#: Refused envelopes listed one by one in a pass's report; the rest are counted in one line.
LISTED_REFUSALS = 5


def _print_report(report: SyncReport) -> None:
    print(_("Sent {sent}, received {received}.").format(sent=report.sent, received=report.received))
    if report.attachments_sent or report.attachments_received:
        print(
            _("Attachments: {sent} sent, {received} received.").format(
                sent=report.attachments_sent, received=report.attachments_received
            )
        )
    for envelope_id, reason in report.rejected[:LISTED_REFUSALS]:
        print(
            _("Refused a damaged or forged envelope {id}: {reason}").format(
                id=envelope_id[:12], reason=reason
            ),
            file=sys.stderr,
        )
    more = len(report.rejected) - LISTED_REFUSALS
    if more > 0:  # a flood is one line, not one per envelope
        print(
            ngettext(
                "Refused {count} more damaged or forged envelope.",
                "Refused {count} more damaged or forged envelopes.",
                more,
            ).format(count=more),
            file=sys.stderr,
        )
    for reason in report.attachments_refused:
        print(_("Refused an attachment: {reason}").format(reason=reason), file=sys.stderr)
    for reason in report.attachments_waiting:
        print(
            _("An attachment could not be downloaded now and will be retried: {reason}").format(
                reason=reason
            ),
            file=sys.stderr,
        )
    if report.held:
        print(
            ngettext(
                "{count} new message request from someone who is not your contact: "
                "see 'delegatectl requests list'.",
                "{count} new message requests from people who are not your contacts: "
                "see 'delegatectl requests list'.",
                report.held,
            ).format(count=report.held)
        )
    if report.discarded:
        print(_discarded_line(report.discarded))
    for error in report.errors:
        print(error, file=sys.stderr)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def cmd_sync(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = _room(vault)
        if args.once:
            engine = SyncEngine(room)
            try:
                report = engine.sync_once()
            finally:
                engine.close()
            InboxState(room.db).mark_reported([e for e, _r in report.rejected])
            if args.json:
                print_json(_report_json(report, engine.state))
            else:
                _print_report(report)
                print(engine.state.describe())
            return 1 if report.errors or report.rejected else 0
        last: list[str] = []

        def show(state: SyncState) -> None:
            line = state.describe()
            if not last or last[-1] != line:
                last.append(line)
                print(line, flush=True)

        def on_report(report: SyncReport) -> None:
            if report.sent or report.received or report.rejected or report.errors:
                _print_report(report)
                sys.stdout.flush()

        if not 0.1 <= args.interval <= 86_400:
            raise CliError(_("The interval must be from 0.1 to 86400 seconds."), exit_code=2)
        engine = SyncEngine(room, on_state=show, idle_poll=args.interval)
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            engine.run(on_report=on_report)
        except KeyboardInterrupt:
            pending = Outbox(room.db).pending_count()
            print(
                ngettext(
                    "Stopped; {count} item waits to be sent.",
                    "Stopped; {count} items wait to be sent.",
                    pending,
                ).format(count=pending)
            )
        finally:
            signal.signal(signal.SIGTERM, previous)
            engine.close()
    return 0
