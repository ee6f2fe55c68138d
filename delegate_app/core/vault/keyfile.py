"""The key file: the database key wrapped by the passphrase, beside the database.

It is small JSON (no secrets in clear) written atomically and owner-only, so a
crash while changing the passphrase leaves either the old or the new file.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from delegate_app.core.crypto.keywrap import KdfParams, WrappedKey
from delegate_app.core.errors import KeyFileError

FORMAT = "delegate-keyfile"
VERSION = 1


@dataclass(frozen=True)
class KeyringRecord:
    """Which OS keyring backend holds a copy of the database key, and under what name."""

    backend: str
    service: str
    username: str


@dataclass(frozen=True)
class KeyFile:
    vault_id: str
    wrapped: WrappedKey
    keyring: KeyringRecord | None = None

    @classmethod
    def new(cls, wrapped: WrappedKey) -> KeyFile:
        return cls(vault_id=str(uuid.uuid4()), wrapped=wrapped)

    def with_wrapped(self, wrapped: WrappedKey) -> KeyFile:
        return replace(self, wrapped=wrapped)

    def with_keyring(self, record: KeyringRecord | None) -> KeyFile:
        return replace(self, keyring=record)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "vault_id": self.vault_id,
            "kdf": {
                "algorithm": "argon2id13",
                "opslimit": self.wrapped.kdf.opslimit,
                "memlimit": self.wrapped.kdf.memlimit,
                "salt": base64.b64encode(self.wrapped.salt).decode("ascii"),
            },
            "wrapped_key": base64.b64encode(self.wrapped.ciphertext).decode("ascii"),
            "keyring": None
            if self.keyring is None
            else {
                "backend": self.keyring.backend,
                "service": self.keyring.service,
                "username": self.keyring.username,
            },
        }
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise KeyFileError("This is not a Delegate key file.")
            if data.get("version") != VERSION:
                raise KeyFileError("This key file was written by a newer version of Delegate.")
            kdf = data["kdf"]
            if kdf["algorithm"] != "argon2id13":
                raise KeyFileError("The key file names an unknown key-derivation algorithm.")
            params = KdfParams(opslimit=int(kdf["opslimit"]), memlimit=int(kdf["memlimit"]))
            params.validate()
            wrapped = WrappedKey(
                salt=base64.b64decode(kdf["salt"], validate=True),
                ciphertext=base64.b64decode(data["wrapped_key"], validate=True),
                kdf=params,
            )
            ring = data.get("keyring")
            record = (
                None
                if ring is None
                else KeyringRecord(
                    backend=str(ring["backend"]),
                    service=str(ring["service"]),
                    username=str(ring["username"]),
                )
            )
            return cls(vault_id=str(uuid.UUID(data["vault_id"])), wrapped=wrapped, keyring=record)
        except KeyFileError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise KeyFileError("The key file is corrupt.") from None


def read_key_file(path: Path) -> KeyFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileError(f"The key file {path.name} is missing.") from None
    except (OSError, UnicodeDecodeError):
        raise KeyFileError(f"The key file {path.name} cannot be read.") from None
    return KeyFile.from_json(text)


def write_private_file(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600, fsynced before the rename.

    With ``overwrite=False`` an existing ``path`` raises :class:`FileExistsError` and is left
    as it was: the finished temporary file is hard-linked into place, which fails when the
    name exists. File systems without hard links (FAT on a USB stick) fall back to checking
    for the name just before the rename.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _move_without_overwriting(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if os.name == "posix":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _move_without_overwriting(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here: check, then rename (a small window, not atomic)
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(tmp, path)
    else:
        tmp.unlink()


def write_key_file(path: Path, key_file: KeyFile) -> None:
    write_private_file(path, key_file.to_json().encode("utf-8"))
