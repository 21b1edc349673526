"""The petitioner's personal fields inside the workflow, sealed with a data key of the case's own (envelope
encryption).

A registration is the workflow's start data, so it lives on in the instance state and in the start event of
the hash-chained audit log. There the petitioner's name, phone, ID number and address are one sealed value,
`petitioner.sealed` = "env1:<key ref>:<base64 of nonce + AES-256-GCM ciphertext + tag>", under a random key
made for the case (table `personal_key`, itself sealed by the configured ring). What the process reads
(`anonymous`, `group_size`) stays in the clear beside it.

So: replay and verify need no key (they compare ciphertexts, which the chain's hashes cover); a ring rotation
re-wraps the case keys (`ecopetition security reseal`) and never rewrites an event; and the plaintext the pages
show comes from the case row's sealed columns, or from here for a history shown in full.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy.orm as so
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from workflows.models import PersonalKey
from workflows.protection import KEY_BYTES, NONCE_BYTES, DataKeyError
from workflows.rules.masking import PERSONAL_FIELDS

ENVELOPE = "env1"
SEALED = "sealed"


def seal_petitioner(session: so.Session, petitioner: Mapping[str, Any], now: datetime) -> dict:
    """The petitioner as the workflow keeps it: the personal fields sealed under a new case key (added to the
    session, so it commits with the registration or not at all), the rest as given. A petitioner without any
    personal field (anonymous) needs no key."""
    personal = {key: petitioner[key] for key in PERSONAL_FIELDS if petitioner.get(key)}
    kept = {key: value for key, value in petitioner.items() if key not in PERSONAL_FIELDS}
    if not personal:
        return kept
    ref = secrets.token_hex(16)
    key = secrets.token_bytes(KEY_BYTES)
    session.add(PersonalKey(ref=ref, secret=base64.urlsafe_b64encode(key).decode("ascii"), created_at=now))
    session.flush()  # so the step listener that makes the case row finds the key, whatever autoflush is doing
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(personal, ensure_ascii=False, sort_keys=True).encode("utf-8"),
                                 _purpose(ref))
    return {**kept, SEALED: f"{ENVELOPE}:{ref}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"}


def open_petitioner(session: so.Session, petitioner: Mapping[str, Any] | None,
                    keys: dict[str, bytes | None] | None = None) -> dict:
    """The petitioner with its personal fields opened; one kept in the clear (a workflow started directly,
    not through registration) is returned as it is. `keys` caches case keys across calls. A case key that is
    no longer there (erased) gives the fields as None. DataKeyError when the value does not open with its key
    (altered, or moved from another case)."""
    if not isinstance(petitioner, Mapping):
        return {}
    sealed = petitioner.get(SEALED)
    opened = {key: value for key, value in petitioner.items() if key != SEALED}
    if not isinstance(sealed, str):
        return opened
    ref, body = _parts(sealed)
    keys = {} if keys is None else keys
    if ref not in keys:
        row = session.get(PersonalKey, ref)
        keys[ref] = base64.urlsafe_b64decode(row.secret) if row is not None else None
    key = keys[ref]
    if key is None:
        return {**opened, **dict.fromkeys(PERSONAL_FIELDS)}
    raw = base64.urlsafe_b64decode(body)
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _purpose(ref))
    except InvalidTag:
        raise DataKeyError(f"the petitioner sealed with case key {ref} does not open with it: altered, or moved "
                           "from another case") from None
    return {**opened, **json.loads(plain)}


def _parts(sealed: str) -> tuple[str, str]:
    version, _, rest = sealed.partition(":")
    ref, _, body = rest.partition(":")
    if version != ENVELOPE or not ref or not body:
        raise DataKeyError(f"not a sealed petitioner (expected the {ENVELOPE}: prefix)")
    return ref, body


def _purpose(ref: str) -> bytes:
    # The key's ref is bound into the ciphertext: a sealed value copied into another case does not open.
    return f"petitioner\0{ref}".encode()
