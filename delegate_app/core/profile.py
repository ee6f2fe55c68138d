"""A profile: its paths, the policy in force, and its vault. Creation and opening."""

from __future__ import annotations

from dataclasses import dataclass

from delegate_app.core.contacts.book import ensure_identity
from delegate_app.core.crypto.keywrap import DEFAULT_KDF, KdfParams
from delegate_app.core.errors import ProfileError
from delegate_app.core.messaging.ratchet_store import RatchetStore
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database, Vault
from delegate_app.core.vault.vault import MIN_PASSPHRASE_LENGTH
from delegate_app.i18n import _


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    organisation: str
    relay_url: str | None


def validate_new_passphrase(passphrase: str, policy: Policy) -> None:
    if policy.value("passphrase_required") and len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ProfileError(
            _("The passphrase must have at least {count} characters.").format(
                count=MIN_PASSPHRASE_LENGTH
            )
        )


def init_profile(
    paths: ProfilePaths,
    info: ProfileInfo,
    passphrase: str,
    policy: Policy,
    *,
    kdf: KdfParams = DEFAULT_KDF,
) -> Vault:
    """Create the profile's vault and record who this profile belongs to. Returns it unlocked."""
    name, organisation = info.name.strip(), info.organisation.strip()
    if not name:
        raise ProfileError(_("A profile needs a name."))
    if not organisation:
        raise ProfileError(_("A profile needs an organisation or mission."))
    validate_new_passphrase(passphrase, policy)
    relay_url = policy.resolve_user_choice("relay_url", info.relay_url)
    vault = Vault.create(paths, passphrase, kdf=kdf)
    with vault.db.transaction() as db:
        db.set_setting("profile.name", name)
        db.set_setting("profile.organisation", organisation)
        if relay_url:
            db.set_setting("profile.relay_url", relay_url)
        RatchetStore(db).ensure_account(ensure_identity(db))
    return vault


def read_profile_info(db: Database, policy: Policy) -> ProfileInfo:
    relay = db.get_setting("profile.relay_url")
    return ProfileInfo(
        name=db.get_setting("profile.name", "") or "",
        organisation=db.get_setting("profile.organisation", "") or "",
        relay_url=policy.resolve_user_choice("relay_url", relay),
    )
