"""The profile's mailroom: everything that sends and receives, wired over one vault connection.

The sync engine, the CLI, the demo peer and the GUI all build one with
:meth:`Mailroom.open` instead of assembling identity, contacts, messaging and
sharing themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from delegate_app.core.contacts.book import ContactBook, load_identity
from delegate_app.core.contacts.models import Contact
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.messaging.directory import ContactDirectory
from delegate_app.core.messaging.handlers import message_handlers
from delegate_app.core.messaging.ratchet_store import RatchetStore
from delegate_app.core.messaging.receiver import Handler, Receiver
from delegate_app.core.messaging.request_store import RequestLimits
from delegate_app.core.messaging.requests import Requests
from delegate_app.core.messaging.sending import Sender
from delegate_app.core.messaging.service import Messenger
from delegate_app.core.policy import Policy
from delegate_app.core.sharing.handlers import sharing_handlers
from delegate_app.core.sharing.service import Sharing
from delegate_app.core.vault import Database


@dataclass(frozen=True)
class Mailroom:
    db: Database
    policy: Policy
    identity: LocalIdentity
    contacts: ContactBook
    directory: ContactDirectory
    sender: Sender
    messenger: Messenger
    sharing: Sharing
    receiver: Receiver
    requests: Requests

    @classmethod
    def open(cls, db: Database, policy: Policy) -> Mailroom:
        identity = load_identity(db)
        # A profile made before envelope format 2 gets its ratchet account on first unlock.
        RatchetStore(db).ensure_account(identity)
        relay = policy.resolve_user_choice("relay_url", db.get_setting("profile.relay_url"))
        contacts = ContactBook(db, policy)
        directory = ContactDirectory(contacts, db)
        sender = Sender(identity, relay)
        messenger = Messenger(db, sender, directory, policy)
        sharing = Sharing(db, sender, directory, policy)
        handlers: dict[str, Handler] = {
            **message_handlers(sender.key, policy),
            **sharing_handlers(sender.key, policy, relay),
        }
        receiver = Receiver(
            db, identity, directory, handlers, limits=RequestLimits.from_policy(policy)
        )
        requests = Requests(db, identity, contacts, directory, receiver, policy)
        return cls(
            db=db,
            policy=policy,
            identity=identity,
            contacts=contacts,
            directory=directory,
            sender=sender,
            messenger=messenger,
            sharing=sharing,
            receiver=receiver,
            requests=requests,
        )

    @property
    def relay_url(self) -> str | None:
        return self.sender.own_relay_url

    @property
    def mailbox_id(self) -> str:
        return self.identity.mailbox.mailbox_id

    def accept_new_key(self, contact: Contact, identity_key: bytes | None = None) -> Contact:
        """Accept ``contact``'s pending key and carry their conversations (1:1 and groups) and
        shared documents over to it, in one transaction: the same person, the same threads."""
        with self.db.transaction():
            old_key = contact.identity_key.hex()
            accepted = self.contacts.accept_new_key(contact, identity_key)
            new_key = accepted.identity_key.hex()
            self.messenger.store.replace_member_key(old_key, new_key)
            self.sharing.store.replace_holder_key(old_key, new_key)
        return accepted
