"""``requests list|accept|delete``: message requests from people who are not contacts.

What a request shows comes from a stranger: it is printed through the escaping every
``delegatectl`` output passes (``terminal.py``), and table cells on one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from delegate_app.cli.common import (
    add_json_option,
    command,
    policy,
    print_json,
    print_table,
    unlocked_vault,
)
from delegate_app.cli.crypto_commands import read_card
from delegate_app.core.formatting import format_datetime
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.requests import MessageRequest, preview_text
from delegate_app.i18n import _, ngettext

PREVIEW_CHARS = 60


def register(subparsers: Any) -> None:
    requests = subparsers.add_parser(
        "requests", help=_("messages from people who are not your contacts")
    )
    sub = requests.add_subparsers(dest="requests_command", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help=_("list message requests"))
    add_json_option(lst)
    command(lst, cmd_requests_list)
    accept = sub.add_parser(
        "accept", help=_("add the sender as a contact from their card and deliver the messages")
    )
    accept.add_argument("request_id", type=int, metavar="ID")
    accept.add_argument(
        "--card", type=Path, required=True, metavar="FILE", help=_("the sender's contact card")
    )
    command(accept, cmd_requests_accept)
    delete = sub.add_parser("delete", help=_("delete a message request and what it holds"))
    delete.add_argument("request_id", type=int, metavar="ID")
    delete.add_argument(
        "--block", action="store_true", help=_("also drop everything this sender sends later")
    )
    command(delete, cmd_requests_delete)


def _json(request: MessageRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "sender_key": request.sender_key,
        "safety_number": request.safety_number,
        "count": request.count,
        "bytes": request.size,
        "first_at": request.first_at.isoformat(timespec="seconds"),
        "last_at": request.last_at.isoformat(timespec="seconds"),
        "preview": request.preview,
    }


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def cmd_requests_list(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = Mailroom.open(vault.db, policy())
        requests = room.requests.all()
        discarded = room.requests.discarded()
        room.requests.clear_discarded()  # told now: the next count starts from zero
    if args.json:
        print_json({"requests": [_json(r) for r in requests], "discarded": discarded})
        return 0
    if requests:
        print_table(
            [
                [
                    str(r.id),
                    r.safety_number,
                    str(r.count),
                    format_datetime(r.last_at, "short"),
                    _short(preview_text(r)),
                ]
                for r in requests
            ],
            [_("ID"), _("SAFETY NUMBER"), _("MESSAGES"), _("LAST"), _("FIRST MESSAGE")],
        )
    else:
        print(_("No message requests."))
    if discarded:
        print(discarded_line(discarded))
    return 0


def discarded_line(count: int) -> str:
    return ngettext(
        "{count} more envelope from people who are not your contacts was discarded "
        "(over the limits for message requests).",
        "{count} more envelopes from people who are not your contacts were discarded "
        "(over the limits for message requests).",
        count,
    ).format(count=count)


def cmd_requests_accept(args: argparse.Namespace) -> int:
    card = read_card(args.card)
    with unlocked_vault(args) as vault:
        result = Mailroom.open(vault.db, policy()).requests.accept(args.request_id, card)
    print(
        ngettext(
            "Added contact {name}; {count} message delivered.",
            "Added contact {name}; {count} messages delivered.",
            result.delivered,
        ).format(name=result.contact.name, count=result.delivered)
    )
    if result.refused:
        print(
            ngettext(
                "{count} item was malformed and refused.",
                "{count} items were malformed and refused.",
                result.refused,
            ).format(count=result.refused)
        )
    print(_("Compare safety numbers with them before trusting the contact."))
    return 0


def cmd_requests_delete(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        Mailroom.open(vault.db, policy()).requests.delete(args.request_id, block=args.block)
    if args.block:
        print(_("Deleted the request; this sender's messages will be dropped from now on."))
    else:
        print(_("Deleted the request."))
    return 0
