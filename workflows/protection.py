"""Petitioners' personal data encrypted at rest: a ring of data keys from configuration, a column type that
seals values with AES-GCM under the ring's newest key (key id in the ciphertext, so keys can rotate), and
keyed HMAC blind indexes for equality lookups. Re-sealing after a rotation is workflows/datakeys.py."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from engine.store import Database
    from workflows.settings import Settings

# "enc1:<key id>:<base64 of nonce + ciphertext + tag>"; the version lets the format change later.
PREFIX = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12
# Where a Database's engines carry their key ring: the column type only sees the dialect.
DIALECT_ATTRIBUTE = "ecopetition_keyring"


class DataKeyError(ValueError):
    """The data key configuration is missing or malformed, or a value was sealed with a key the ring lacks."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    secret: bytes

    @property
    def index_secret(self) -> bytes:
        # The blind index never uses the encryption key itself.
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"ecopetition blind index").derive(self.secret)


@dataclass(frozen=True)
class KeyRing:
    """Data keys, newest (the one that seals) first; older keys only open what they sealed."""

    keys: tuple[DataKey, ...]
    _index_secrets: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise DataKeyError("no data key: set security.data_key or security.data_key_file")
        ids = [k.key_id for k in self.keys]
        if len(set(ids)) != len(ids):
            raise DataKeyError(f"data key ids must differ: {', '.join(ids)}")

    @property
    def primary(self) -> DataKey:
        return self.keys[0]

    def key(self, key_id: str) -> DataKey:
        for key in self.keys:
            if key.key_id == key_id:
                return key
        raise DataKeyError(f"a value was sealed with data key {key_id!r}, which the configured ring lacks "
                           f"(it has {', '.join(k.key_id for k in self.keys)})")

    def seal(self, plaintext: str, purpose: str) -> str:
        key = self.primary
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key.secret).encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))
        return f"{PREFIX}:{key.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, value: str, purpose: str) -> str:
        version, key_id, body = _split(value)
        if version != PREFIX:
            raise DataKeyError(f"not a sealed value (expected the {PREFIX}: prefix)")
        raw = base64.urlsafe_b64decode(body)
        try:
            plain = AESGCM(self.key(key_id).secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                                            purpose.encode("utf-8"))
        except InvalidTag:
            raise DataKeyError(f"a value sealed with data key {key_id!r} does not open with it: wrong key, "
                               "or the value was altered or moved from another column") from None
        return plain.decode("utf-8")

    def key_id_of(self, value: str) -> str | None:
        version, key_id, _ = _split(value)
        return key_id if version == PREFIX else None

    def blind_index(self, value: str, purpose: str, key: DataKey | None = None) -> str:
        """The keyed HMAC of `value` for equality lookups; the same value gives the same index per key."""
        key = key or self.primary
        secret = self._index_secrets.get(key.key_id)
        if secret is None:
            secret = self._index_secrets[key.key_id] = key.index_secret
        return hmac.new(secret, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    def blind_indexes(self, value: str, purpose: str) -> list[str]:
        """The index of `value` under every key of the ring: rows indexed before a rotation still match."""
        return [self.blind_index(value, purpose, key) for key in self.keys]


def _split(value: str) -> tuple[str, str, str]:
    parts = value.split(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", "", "")


def parse_keys(text: str, source: str) -> KeyRing:
    """A ring from "id:base64key" entries, one a line or comma-separated, newest first; `source` names the
    setting or file in errors."""
    keys = []
    for number, entry in enumerate((e.strip() for e in text.replace(",", "\n").splitlines()), start=1):
        if not entry or entry.startswith("#"):
            continue
        key_id, _, encoded = entry.partition(":")
        try:
            secret = base64.urlsafe_b64decode(encoded.strip())
        except ValueError:
            secret = b""
        if not key_id.strip() or not key_id.strip().isalnum() or len(secret) != KEY_BYTES:
            raise DataKeyError(f"{source}: entry {number} must be <id>:<{KEY_BYTES} random bytes in url-safe "
                               "base64>, the id letters and digits (make one with `ecopetition security "
                               "new-data-key`)")
        keys.append(DataKey(key_id.strip(), secret))
    return KeyRing(tuple(keys))


def new_key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode('ascii')}"


def keyring_of(settings: Settings) -> KeyRing:
    """The configured ring: security.data_key (ECOPETITION_SECURITY_DATA_KEY) if set, else the key file's,
    which is created with one random key when missing (like the session key; every node must share it)."""
    security = settings.security
    if security.data_key:
        return parse_keys(security.data_key, "security.data_key")
    path = settings.path(security.data_key_file)
    if not path.exists():
        _create_key_file(path)
    return parse_keys(path.read_text(encoding="utf-8"), str(path))


def _create_key_file(path: Path) -> None:
    """Write a new ring of one key, atomically: processes starting together (gunicorn's workers) all end up
    reading the one file that was linked first, never a half-written one or each their own key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    draft.write_text(new_key_entry("k1") + "\n", encoding="utf-8")
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def install_keyring(db: Database, keyring: KeyRing) -> None:
    """Let the database's sealed columns use `keyring` (each engine's dialect carries it)."""
    for engine in {id(db.engine): db.engine, id(db.read_engine): db.read_engine}.values():
        setattr(engine.dialect, DIALECT_ATTRIBUTE, keyring)


def keyring_for(bind: sa.Connection | sa.Engine | so.Session) -> KeyRing:
    """The ring installed on the engine behind a session or connection."""
    if isinstance(bind, so.Session):
        bind = bind.get_bind()
    return _ring_of(bind.dialect)


def _ring_of(dialect) -> KeyRing:
    keyring = getattr(dialect, DIALECT_ATTRIBUTE, None)
    if keyring is None:
        raise DataKeyError("this database has no data key ring installed (bootstrap installs it)")
    return keyring


class SealedText(sa.types.TypeDecorator):
    """Text stored sealed with the data key ring; reads give the plaintext. `purpose` (the column) is bound
    into the ciphertext, so a value copied into another column does not open."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return _ring_of(dialect).seal(str(value), self.purpose)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return _ring_of(dialect).open(value, self.purpose)
