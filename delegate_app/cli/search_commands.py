"""``delegatectl search``: one search over documents, messages and comment threads."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from typing import Any

from delegate_app.cli.common import add_json_option, command, policy, print_json, unlocked_vault
from delegate_app.cli.docs_commands import KIND_CHOICES, index_pending_stems, summary_json
from delegate_app.cli.paging import add_page_options, page_window
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.search import Filters, Results, Scope, Search
from delegate_app.i18n import _

SCOPES = {scope.value: scope for scope in Scope}


def register(subparsers: Any) -> None:
    search = subparsers.add_parser(
        "search", help=_("search documents, messages and comments at once")
    )
    search.add_argument("query", metavar="QUERY")
    search.add_argument(
        "--in", dest="scopes", action="append", choices=list(SCOPES), metavar="WHAT",
        help=_("docs, messages or comments (repeat for several; all when not given)"),
    )  # fmt: skip
    search.add_argument("--kind", choices=KIND_CHOICES, help=_("documents of this kind only"))
    search.add_argument("--event", metavar="E", help=_("documents of this event only"))
    search.add_argument("--classification", metavar="C", help=_("documents so marked only"))
    who = search.add_mutually_exclusive_group()
    who.add_argument("--with", dest="with_name", metavar="NAME", help=_("messages with a contact"))
    who.add_argument("--group", metavar="TITLE", help=_("messages in a group"))
    search.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help=_("from this day on"))
    search.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help=_("up to this day"))
    add_page_options(search)
    add_json_option(search)
    command(search, cmd_search)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a date like 2027-03-14.").format(value=text)
        ) from None


def _start(day: date | None, *, after: bool = False) -> datetime | None:
    if day is None:
        return None
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment + timedelta(days=1) if after else moment


def cmd_search(args: argparse.Namespace) -> int:
    scopes = [SCOPES[s] for s in args.scopes] if args.scopes else list(Scope)
    with unlocked_vault(args) as vault:
        room = Mailroom.open(vault.db, policy())
        library = Library(vault.db, policy())
        index_pending_stems(library)
        conversation_id = None  # an unknown name or group is a one-line error (DelegateError)
        if args.with_name is not None:
            conversation_id = room.messenger.direct_conversation(args.with_name).id
        elif args.group is not None:
            conversation_id = room.messenger.group(args.group).id
        filters = Filters(
            kind=None if args.kind is None else DocumentKind(args.kind),
            event=args.event,
            classification=args.classification,
            conversation_id=conversation_id,
            since=_start(args.since),
            until=_start(args.until, after=True),
        )
        offset, limit = page_window(args)
        results = Search(vault.db, library).search(
            args.query, scopes=scopes, filters=filters, limit=limit, offset=offset
        )
        rendered = _rendered(room, results)
    if args.json:
        print_json(rendered)
        return 0
    _print(rendered)
    return 0


def _marked(parts: tuple[tuple[str, bool], ...]) -> str:
    return "".join(f"[{text}]" if marked else text for text, marked in parts)


def _highlights(parts: tuple[tuple[str, bool], ...]) -> list[str]:
    return [text for text, marked in parts if marked]


def _rendered(room: Mailroom, results: Results) -> dict[str, list[dict[str, Any]]]:
    own = room.messenger.sender.key

    def who(key: str | None) -> str:
        return _("you") if key is None or key == own else room.directory.display_name(key)

    conversations = {c.id: c for c in room.messenger.conversations()}

    def conversation_label(conversation_id: int) -> str:
        conversation = conversations.get(conversation_id)
        if conversation is None:
            return ""
        if conversation.title:
            return conversation.title
        return ", ".join(room.directory.display_name(k) for k in conversation.members)

    return {
        "documents": [
            {**summary_json(h.document), "snippet": _marked(h.snippet_parts),
             "highlights": _highlights(h.snippet_parts), "exact": h.exact, "rank": h.rank}
            for h in results.documents
        ],
        "messages": [
            {"id": h.message_id, "uid": h.message_uid, "conversation_id": h.conversation_id,
             "conversation": conversation_label(h.conversation_id), "from": who(h.sender_key),
             "sent_at": h.sent_at.isoformat(timespec="seconds"),
             "snippet": _marked(h.snippet_parts), "highlights": _highlights(h.snippet_parts),
             "exact": h.exact, "rank": h.rank}
            for h in results.messages
        ],
        "comments": [
            {"id": h.comment_id, "uid": h.comment_uid, "document_id": h.document_id,
             "document_uid": h.document_uid, "document": h.document_title,
             "from": who(h.author_key),
             "created_at": h.created_at.isoformat(timespec="seconds"),
             "snippet": _marked(h.snippet_parts), "highlights": _highlights(h.snippet_parts),
             "exact": h.exact, "rank": h.rank}
            for h in results.comments
        ],
    }  # fmt: skip


def _print(rendered: dict[str, list[dict[str, Any]]]) -> None:
    headings = {
        "documents": _("Documents"),
        "messages": _("Messages"),
        "comments": _("Comments"),
    }
    empty = True
    for key, heading in headings.items():
        hits = rendered[key]
        if not hits:
            continue
        empty = False
        print(heading)
        for hit in hits:
            if key == "documents":
                where = f"#{hit['id']} {hit['title']}"
            elif key == "messages":
                where = f"{hit['conversation']} · {hit['from']} · {hit['sent_at']}"
            else:
                where = f"{hit['document'] or hit['document_uid']} · {hit['from']}"
            print(f"  {where}")
            print(f"    {hit['snippet']}")
    if empty:
        print(_("Nothing found."))
