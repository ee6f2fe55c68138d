"""Version 13: every direct conversation gets a fresh local uid.

Direct conversations used to be created with the uid a sender put in its first message, so a
group member could pre-claim the group's uid as a direct conversation in another member's vault
and have every later update and message of that group refused there. A direct conversation is
found by the other person's key, never by uid (the uid of an incoming direct message is
ignored), so replacing the uid changes nothing for either side and frees any uid a sender chose.
The new uid is 32 random hex characters, the same form as ``store.new_uid``.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=13,
    name="direct_local_uids",
    statements=("UPDATE conversations SET uid = lower(hex(randomblob(16))) WHERE kind = 'direct'",),
)
