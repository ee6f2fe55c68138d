"""``identity``, ``card``, ``contacts`` and ``org``: keys, cards and verification."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
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
from delegate_app.core.contacts.book import (
    ContactBook,
    load_identity,
    own_card,
    rotate_deposit_token,
)
from delegate_app.core.contacts.card_files import CardFileError, read_card_file
from delegate_app.core.contacts.models import Contact
from delegate_app.core.crypto.cards import (
    ContactCard,
    parse_any_card,
    sign_card_for_organisation,
)
from delegate_app.core.crypto.identity import OrganisationKey
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.vault.keyfile import write_private_file
from delegate_app.i18n import _


def register(subparsers: Any) -> None:
    identity = subparsers.add_parser("identity", help=_("this profile's keys"))
    isub = identity.add_subparsers(dest="identity_command", metavar="ACTION", required=True)
    show = isub.add_parser("show", help=_("show the public keys and mailbox id"))
    add_json_option(show)
    command(show, cmd_identity_show)

    card = subparsers.add_parser("card", help=_("export or import contact cards"))
    csub = card.add_subparsers(dest="card_command", metavar="ACTION", required=True)
    export = csub.add_parser("export", help=_("write your signed contact card to FILE"))
    export.add_argument("file", type=Path, metavar="FILE", help=_("'-' prints the card text"))
    export.add_argument(
        "--qr",
        type=Path,
        metavar="IMAGE",
        help=_("also write the card as a QR code (.svg or .png)"),
    )
    export.add_argument(
        "--new-deposit-token",
        action="store_true",
        help=_(
            "first replace the card's deposit token: holders of your older cards can deliver"
            " to you only until the relay's grace period ends"
        ),
    )
    command(export, cmd_card_export)
    imp = csub.add_parser("import", help=_("add a contact from a card file (text or binary)"))
    imp.add_argument("file", type=Path, metavar="FILE")
    command(imp, cmd_card_import)

    contacts = subparsers.add_parser("contacts", help=_("list and verify contacts"))
    ksub = contacts.add_subparsers(dest="contacts_command", metavar="ACTION", required=True)
    lst = ksub.add_parser("list", help=_("list contacts"))
    add_json_option(lst)
    command(lst, cmd_contacts_list)
    number = ksub.add_parser("safety-number", help=_("print the safety number to compare"))
    number.add_argument("name", metavar="NAME")
    command(number, cmd_safety_number)
    verify = ksub.add_parser("verify", help=_("record that you compared the safety number"))
    verify.add_argument("name", metavar="NAME")
    command(verify, cmd_verify)
    accept = ksub.add_parser("accept-key", help=_("accept a contact's new key"))
    accept.add_argument("name", metavar="NAME")
    command(accept, cmd_accept_key)
    reject = ksub.add_parser("reject-key", help=_("refuse a contact's new key and keep the old"))
    reject.add_argument("name", metavar="NAME")
    command(reject, cmd_reject_key)

    org = subparsers.add_parser("org", help=_("organisation keys for IT staff"))
    osub = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    keygen = osub.add_parser("keygen", help=_("make an organisation signing key"))
    keygen.add_argument("--out", type=Path, required=True, metavar="FILE")
    keygen.set_defaults(handler=cmd_org_keygen)
    sign = osub.add_parser("sign-card", help=_("countersign a staff member's card"))
    sign.add_argument("card", type=Path, metavar="CARD")
    sign.add_argument("--key", type=Path, required=True, metavar="FILE")
    sign.add_argument("--out", type=Path, metavar="FILE", help=_("default: overwrite CARD"))
    sign.set_defaults(handler=cmd_org_sign)


def contact_json(book: ContactBook, contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "organisation": contact.organisation,
        "identity_key": contact.identity_key.hex(),
        "mailbox_id": contact.mailbox_id,
        "relay_url": contact.relay_url,
        "verified": contact.verified,
        "verified_by_organisation": contact.org_verified,
        "key_changed": contact.key_changed,
        "safety_number": book.safety_number(contact),
        "protocol": contact.protocol,
    }


def cmd_identity_show(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        identity = load_identity(vault.db)
        public = identity.public()
        data = {
            "identity_key": public.identity_key.hex(),
            "encryption_key": public.encryption_key.hex(),
            "mailbox_id": identity.mailbox.mailbox_id,
            "fingerprint": public.fingerprint(),
        }
    if args.json:
        print_json(data)
    else:
        labels = {
            "identity_key": _("Identity key"),
            "encryption_key": _("Encryption key"),
            "mailbox_id": _("Mailbox id"),
            "fingerprint": _("Fingerprint"),
        }
        width = max(len(label) for label in labels.values())
        for key, value in data.items():
            print(_("{label}: {value}").format(label=labels[key].ljust(width), value=value))
    return 0


def _write_qr(text: str, path: Path) -> None:
    import segno  # only this command needs it

    if path.suffix.lower() not in (".svg", ".png"):
        raise CliError(_("A QR code is written as .svg or .png, not {path}.").format(path=path))
    segno.make(text, error="m", micro=False).save(str(path), scale=4, border=4)


def cmd_card_export(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        if args.new_deposit_token:
            rotate_deposit_token(vault.db)
        text = own_card(vault.db, policy()).to_text()
    if args.new_deposit_token:
        print(
            _(
                "New deposit token: give this card to every contact who should keep writing to"
                " you; the next sync tells your relay."
            ),
            file=sys.stderr,
        )
    if str(args.file) == "-":
        print(text)
    else:
        args.file.write_text(text + "\n", encoding="ascii")
        print(_("Card written to {path}.").format(path=args.file))
    if args.qr is not None:
        _write_qr(text, args.qr)
        print(_("QR code written to {path}.").format(path=args.qr))
    return 0


def read_card(path: Path) -> ContactCard:
    try:
        data = read_card_file(path)
    except CardFileError as exc:
        raise CliError(str(exc)) from None
    return parse_any_card(data)


def cmd_card_import(args: argparse.Namespace) -> int:
    card = read_card(args.file)
    with unlocked_vault(args) as vault:
        book = ContactBook(vault.db, policy())
        contact = book.import_card(card)
        if contact.key_changed:
            print(
                _(
                    "WARNING: {name} now presents a different security key. Sending is blocked "
                    "until you compare the new safety number and run: contacts accept-key {name}"
                ).format(name=contact.name)
            )
            return 0
        print(
            _("Added contact {name} ({organisation}).").format(
                name=contact.name, organisation=contact.organisation
            )
        )
        if contact.org_verified:
            print(_("Verified by your organisation."))
    return 0


def cmd_contacts_list(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        book = ContactBook(vault.db, policy())
        data = [contact_json(book, c) for c in book.contacts()]
    if args.json:
        print_json(data)
        return 0
    rows = [
        [c["name"], c["organisation"],
         _("key changed") if c["key_changed"] else
         _("verified") if c["verified"] else
         _("verified by organisation") if c["verified_by_organisation"] else _("not verified")]
        for c in data
    ]  # fmt: skip
    print_table(rows, [_("Name"), _("Organisation"), _("State")])
    return 0


def cmd_safety_number(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        book = ContactBook(vault.db, policy())
        contact = book.get(args.name)
        number = book.safety_number(contact, pending=contact.key_changed)
    if contact.key_changed:
        print(
            _("{name} presents a NEW key. Safety number of the new key:").format(name=contact.name)
        )
    print(number)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        book = ContactBook(vault.db, policy())
        contact = book.verify(book.get(args.name))
    print(_("{name} is now verified.").format(name=contact.name))
    return 0


def cmd_accept_key(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        room = Mailroom.open(vault.db, policy())
        contact = room.accept_new_key(room.contacts.get(args.name))
        number = room.contacts.safety_number(contact)
    print(
        _("Accepted the new key of {name}; its safety number is {number}.").format(
            name=contact.name, number=number
        )
    )
    return 0


def cmd_reject_key(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        book = ContactBook(vault.db, policy())
        contact = book.get(args.name)
        if not contact.key_changed:
            raise CliError(_("{name}'s key has not changed.").format(name=contact.name))
        book.reject_new_key(contact)
    print(_("Kept the previous key of {name}.").format(name=contact.name))
    return 0


def cmd_org_keygen(args: argparse.Namespace) -> int:
    if args.out.exists():
        raise CliError(_("{path} already exists.").format(path=args.out))
    key = OrganisationKey.generate()
    payload = {"format": "delegate-organisation-key", "seed": key.seed.hex()}
    write_private_file(args.out, (json.dumps(payload) + "\n").encode("ascii"))
    print(_("Organisation key written to {path} (keep it offline).").format(path=args.out))
    print(_("Public key for the policy's organisation_key: {key}").format(key=key.public_hex))
    return 0


def cmd_org_sign(args: argparse.Namespace) -> int:
    try:
        data = json.loads(args.key.read_text(encoding="ascii"))
        key = OrganisationKey(bytes.fromhex(data["seed"]))
        if data.get("format") != "delegate-organisation-key" or len(key.seed) != 32:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise CliError(_("{path} is not an organisation key file.").format(path=args.key)) from None
    card = read_card(args.card)
    signed = sign_card_for_organisation(card, key)
    out: Path = args.out or args.card
    out.write_text(signed.to_text() + "\n", encoding="ascii")
    print(_("Countersigned card for {name} written to {path}.").format(name=card.name, path=out))
    return 0
