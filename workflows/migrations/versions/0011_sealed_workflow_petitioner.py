"""data protection inside the workflow: the petitioner's personal fields in the start data (the instance state
and the start event) sealed under a key of the case's own (table personal_key, wrapped by the data key ring);
existing cases are sealed and their event chains computed again; the downgrade opens them and does the same

Revision ID: 0011
Revises: 0010
"""
import base64
import json
import os
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import engine.models
from engine.audit import GENESIS, canonical_json, event_hash

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Written out here, not imported: a migration keeps doing what it did when the code around it changes.
PERSONAL = ("name", "phone", "id_number", "address")
ENVELOPE = "env1"
KEY_PURPOSE = "personal_key.secret"

EVENTS = sa.table("audit_event", sa.column("id"), sa.column("instance_id"), sa.column("seq"),
                  sa.column("at", engine.models.UTCDateTime()), sa.column("actor"), sa.column("organisation"),
                  sa.column("command"), sa.column("data"), sa.column("version_id"), sa.column("prev_hash"),
                  sa.column("hash"))
INSTANCES = sa.table("instance", sa.column("id"), sa.column("state"), sa.column("last_hash"))
KEYS = sa.table("personal_key", sa.column("ref"), sa.column("secret"),
                sa.column("created_at", engine.models.UTCDateTime()))


def _keyring():
    """The ring the caller passed (`ecopetition db upgrade` passes the deployment's), else the configured one."""
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        from workflows.protection import keyring_of
        from workflows.settings import load_settings
        keyring = keyring_of(load_settings())
    return keyring


def _purpose(ref: str) -> bytes:
    return f"petitioner\0{ref}".encode()


def upgrade() -> None:
    op.create_table(
        "personal_key",
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", engine.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ref"),
    )
    bind = op.get_bind()
    keyring = None
    now = datetime.now(UTC)

    def seal(petitioner: dict) -> dict | None:
        nonlocal keyring
        personal = {k: petitioner[k] for k in PERSONAL if petitioner.get(k)}
        if "sealed" in petitioner or not any(k in petitioner for k in PERSONAL):
            return None  # sealed already, or nothing personal to seal
        kept = {k: v for k, v in petitioner.items() if k not in PERSONAL}
        if not personal:
            return kept
        keyring = keyring or _keyring()
        ref, key, nonce = secrets.token_hex(16), secrets.token_bytes(32), os.urandom(12)
        bind.execute(KEYS.insert().values(ref=ref, created_at=now, secret=keyring.seal(
            base64.urlsafe_b64encode(key).decode("ascii"), KEY_PURPOSE)))
        body = AESGCM(key).encrypt(nonce, json.dumps(personal, ensure_ascii=False, sort_keys=True).encode("utf-8"),
                                   _purpose(ref))
        return {**kept, "sealed": f"{ENVELOPE}:{ref}:{base64.urlsafe_b64encode(nonce + body).decode('ascii')}"}

    _rewrite_petitioners(bind, seal)


def downgrade() -> None:
    bind = op.get_bind()
    keyring = None

    def open_(petitioner: dict) -> dict | None:
        nonlocal keyring
        sealed = petitioner.get("sealed")
        if not isinstance(sealed, str):
            return None
        keyring = keyring or _keyring()
        _, ref, body = sealed.split(":", 2)
        wrapped = bind.execute(sa.select(KEYS.c.secret).where(KEYS.c.ref == ref)).scalar()
        opened = {k: v for k, v in petitioner.items() if k != "sealed"}
        if wrapped is None:
            return {**opened, **dict.fromkeys(PERSONAL, "")}  # the case's key was erased: so was its data
        key = base64.urlsafe_b64decode(keyring.open(wrapped, KEY_PURPOSE))
        raw = base64.urlsafe_b64decode(body)
        personal = json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], _purpose(ref)))
        return {**opened, **{k: personal.get(k, "") for k in PERSONAL}}

    _rewrite_petitioners(bind, open_)
    op.drop_table("personal_key")


def _rewrite_petitioners(bind, change) -> None:
    """For every instance whose start data has a petitioner that `change` rewrites (it returns None to leave
    it): the start event's data, every copy of that petitioner in the stored state, and the instance's hash
    chain from the start event on (each event's hash covers its data and the hash before it)."""
    starts = bind.execute(sa.select(EVENTS.c.instance_id, EVENTS.c.data)
                          .where(EVENTS.c.command == "start", EVENTS.c.seq == 1).order_by(EVENTS.c.instance_id)).all()
    for instance_id, text in starts:
        event = json.loads(text)
        old = (event.get("data") or {}).get("petitioner")
        new = change(old) if isinstance(old, dict) else None
        if new is None:
            continue
        event["data"]["petitioner"] = new
        _rechain(bind, instance_id, canonical_json(event))
        state = bind.execute(sa.select(INSTANCES.c.state).where(INSTANCES.c.id == instance_id)).scalar()
        replaced = _replace(json.loads(state), old, new)
        bind.execute(INSTANCES.update().where(INSTANCES.c.id == instance_id).values(state=json.dumps(replaced)))


def _replace(value, old: dict, new: dict):
    """`value` with every "petitioner" entry equal to `old` replaced by `new` (task data copies it around)."""
    if isinstance(value, dict):
        return {k: new if k == "petitioner" and v == old else _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    return value


def _rechain(bind, instance_id: int, start_data: str) -> None:
    prev = GENESIS
    events = bind.execute(sa.select(EVENTS).where(EVENTS.c.instance_id == instance_id).order_by(EVENTS.c.seq)).all()
    for event in events:
        data = start_data if event.seq == 1 else event.data
        digest = event_hash(instance_id, event.seq, event.at, event.actor, event.organisation, event.command, data,
                            event.version_id, prev)
        if (data, prev, digest) != (event.data, event.prev_hash, event.hash):
            bind.execute(EVENTS.update().where(EVENTS.c.id == event.id).values(data=data, prev_hash=prev, hash=digest))
        prev = digest
    bind.execute(INSTANCES.update().where(INSTANCES.c.id == instance_id).values(last_hash=prev))
