"""Group membership as the group's creator decided it, and warnings stored with messages.

``creator_key`` is the identity key of the group's creator (NULL: not known, e.g. a group made
before this version); ``group_nonce`` the creator's random value the group id derives from
(kept by the creator only); ``membership_epoch`` the number of the creator's latest membership
update applied; ``self_removed`` is 1 once the creator removed this profile; ``group_removed``
lists the members the creator removed (shown as removed; a member added again leaves it). A
message whose signed recipients differ from the membership known when it arrived gets rows in
``message_audience``: who it went to, who it missed and who outside the group received it.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=9,
    name="group_membership",
    statements=(
        "ALTER TABLE conversations ADD COLUMN creator_key TEXT",
        "ALTER TABLE conversations ADD COLUMN group_nonce TEXT",
        "ALTER TABLE conversations ADD COLUMN membership_epoch INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE conversations ADD COLUMN self_removed INTEGER NOT NULL DEFAULT 0",
        """
        CREATE TABLE message_audience (
            message_id    INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            identity_key  TEXT NOT NULL,
            kind          TEXT NOT NULL CHECK (kind IN ('to', 'missing', 'extra')),
            PRIMARY KEY (message_id, kind, identity_key)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE group_removed (
            conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            identity_key     TEXT NOT NULL,
            PRIMARY KEY (conversation_id, identity_key)
        ) WITHOUT ROWID
        """,
    ),
)
