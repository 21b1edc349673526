"""The petition domain's own tables: organisations, users and roles, case records and what hangs off them.

The workflow state lives in the engine's tables; a case row keeps the fields of SPEC.md as searchable
columns, kept in step with the workflow by a step listener (`workflows.cases.track_case`) inside the
same transaction as every engine step.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.models import Base, UTCDateTime
from workflows.protection import KeyRing, SealedText, keyring_for

ROLES = ("registrar", "handler", "leader", "supervisor", "designer", "auditor", "admin")
CHANNELS = ("letter", "visit", "12369", "wechat", "web", "email", "superior", "12345", "inspection")
POLLUTION_TYPES = ("air", "water", "noise", "solid_waste", "soil", "ecology", "radiation", "other")
PETITION_CLASSES = ("suggestion", "report", "grievance")


class Organisation(Base):
    """A node of the organisation tree: the ministry, a bureau at province, city or county level, a department.

    `path` lists the codes from the root down, each followed by "/", so "everything at or below X" is a
    prefix match on an indexed column.
    """

    __tablename__ = "organisation"
    code: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    name_zh: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(200))
    level: so.Mapped[str] = so.mapped_column(sa.String(20))
    parent_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("organisation.code"))
    path: so.Mapped[str] = so.mapped_column(sa.String(400), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)


class User(Base):
    """Someone who signs in; acts for one organisation with one or more roles."""

    __tablename__ = "app_user"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(200))
    organisation_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey("organisation.code"), index=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    # Set when an administrator chose the password (new account, reset): the user must choose their own
    # before anything else works.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Failed sign-ins in a row and, past the limit, until when sign-in is refused (workflows.signin).
    failed_logins: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    locked_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Sessions remember the epoch they began in; changing the password or disabling the account moves it on,
    # which ends every other session of the user.
    session_epoch: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    password_changed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    roles: so.Mapped[list[UserRole]] = so.relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class UserRole(Base):
    __tablename__ = "user_role"
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(30), primary_key=True)


class Case(Base):
    """A petition as the bureaus search and list it; one per workflow instance of the `petition` process."""

    __tablename__ = "petition_case"
    __table_args__ = (
        sa.Index("ix_case_handling_status", "handling_org", "status"),
        sa.Index("ix_case_registration_received", "registration_org", "received_at"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instance_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("instance.id"), unique=True)
    case_no: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    query_code: so.Mapped[str | None] = so.mapped_column(sa.String(20), unique=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    # The petitioner's personal data is sealed at rest (workflows/protection.py); equality lookups go
    # through the keyed blind indexes below, which `index_case` keeps in step on every flush.
    petitioner_name: so.Mapped[str | None] = so.mapped_column(SealedText("petition_case.petitioner_name"))
    petitioner_phone: so.Mapped[str | None] = so.mapped_column(SealedText("petition_case.petitioner_phone"))
    petitioner_id_number: so.Mapped[str | None] = so.mapped_column(
        SealedText("petition_case.petitioner_id_number"))
    petitioner_address: so.Mapped[str | None] = so.mapped_column(SealedText("petition_case.petitioner_address"))
    petitioner_phone_index: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    petitioner_id_number_index: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    anonymous: so.Mapped[bool] = so.mapped_column(default=False)
    group_size: so.Mapped[int] = so.mapped_column(default=1)
    reported_party: so.Mapped[str] = so.mapped_column(sa.String(300), index=True)
    reported_address: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    division_code: so.Mapped[str] = so.mapped_column(sa.String(12), index=True)
    location: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    # ",air,noise," so that "has type X" is a LIKE '%,X,%' on any database.
    pollution_types: so.Mapped[str] = so.mapped_column(sa.String(200))
    petition_class: so.Mapped[str] = so.mapped_column(sa.String(20))
    facts: so.Mapped[str] = so.mapped_column(sa.Text)
    demands: so.Mapped[str | None] = so.mapped_column(sa.Text)
    registration_org: so.Mapped[str] = so.mapped_column(sa.String(60))
    handling_org: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    status: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    track: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    registered_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)

    @property
    def pollution_type_list(self) -> list[str]:
        return [t for t in self.pollution_types.split(",") if t]

    @property
    def title(self) -> str:
        return f"{self.reported_party}"


# The personal columns sealed at rest, and the blind index kept for each one searched by equality.
class PersonalKey(Base):
    """A case's own data key (envelope encryption, workflows/personal.py): it seals the petitioner's personal
    fields inside the workflow's start data, state and start event. The key itself is stored sealed by the
    data key ring, so a ring rotation re-wraps these rows and never touches the hash-chained events."""

    __tablename__ = "personal_key"
    ref: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    secret: so.Mapped[str] = so.mapped_column(SealedText("personal_key.secret"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


PERSONAL_COLUMNS = ("petitioner_name", "petitioner_phone", "petitioner_id_number", "petitioner_address")
BLIND_INDEXES = {"petitioner_phone": "petitioner_phone_index", "petitioner_id_number": "petitioner_id_number_index"}


def index_case(keyring: KeyRing, case: Case) -> None:
    """Set the case's blind indexes from its plaintext phone and ID number, with the ring's newest key."""
    for column, index in BLIND_INDEXES.items():
        value = getattr(case, column)
        setattr(case, index, keyring.blind_index(value, column) if value else None)


@sa.event.listens_for(Case, "before_insert")
@sa.event.listens_for(Case, "before_update")
def _index_on_flush(_mapper, connection, case: Case) -> None:
    index_case(keyring_for(connection), case)


class CaseOrganisation(Base):
    """Every organisation that has had a hand in a case (registered, handled, reviewed, supervised...).

    Who may see a case is decided on these rows: the user's own organisation, or for supervisors and
    auditors a prefix match of `org_path` on their organisation's path.
    """

    __tablename__ = "case_organisation"
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"),
                                               primary_key=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True, index=True)
    org_path: so.Mapped[str] = so.mapped_column(sa.String(400), index=True)


class CaseLink(Base):
    """A proposed or confirmed link between a case and an earlier one it repeats (重复信访)."""

    __tablename__ = "case_link"
    __table_args__ = (sa.UniqueConstraint("case_id", "linked_case_id", name="uq_case_link_pair"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"), index=True)
    linked_case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"),
                                                      index=True)
    score: so.Mapped[float] = so.mapped_column()
    reason: so.Mapped[str] = so.mapped_column(sa.String(300))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="proposed")  # proposed, confirmed, rejected
    created_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class Attachment(Base):
    """A file of a case, stored outside the database under its SHA-256; the row holds what describes it."""

    __tablename__ = "attachment"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"), index=True)
    task_id: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120))
    size: so.Mapped[int] = so.mapped_column()
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    uploaded_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class RevealLog(Base):
    """A user looked at a petitioner's unmasked personal data; auditors read these."""

    __tablename__ = "reveal_log"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"), index=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(60))
    fields: so.Mapped[str] = so.mapped_column(sa.String(200))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)


class KpiSnapshot(Base):
    """A night's KPI figures for one organisation and day, recomputed idempotently from the event log."""

    __tablename__ = "kpi_snapshot"
    __table_args__ = (sa.UniqueConstraint("day", "organisation", name="uq_kpi_snapshot_day_org"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    day: so.Mapped[str] = so.mapped_column(sa.String(10))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(60))
    figures: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON
    computed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class Notification(Base):
    """A message in a user's or a role's inbox: reminder digests, supervision notices. `kind` says what it is
    and `params` (JSON) what it is about; the web layer words it in the reader's language. `text` is only for
    messages written as they are shown (none today)."""

    __tablename__ = "notification"
    __table_args__ = (sa.UniqueConstraint("dedupe_key", name="uq_notification_dedupe"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    username: so.Mapped[str | None] = so.mapped_column(sa.String(80), index=True)
    role: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    params: so.Mapped[str | None] = so.mapped_column(sa.Text)  # JSON
    dedupe_key: so.Mapped[str] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class DesignDraft(Base):
    """A designer's working copy of a process bundle, opened from a deployed version (`base_version_id`);
    `status` is open, deployed (as `deployed_version_id`) or discarded."""

    __tablename__ = "design_draft"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    base_version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_version.id"))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    created_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    deployed_version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_version.id"))


class DesignDraftFile(Base):
    """One file of a draft; `revision` grows with every save, so a save based on an older one is refused."""

    __tablename__ = "design_draft_file"
    __table_args__ = (sa.UniqueConstraint("draft_id", "path", name="uq_design_draft_file_path"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    draft_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("design_draft.id", ondelete="CASCADE"), index=True)
    path: so.Mapped[str] = so.mapped_column(sa.String(200))
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    revision: so.Mapped[int] = so.mapped_column(default=1)
    updated_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class DesignEvent(Base):
    """What designers did to drafts and versions (opened, deployed with its note, discarded): append-only."""

    __tablename__ = "design_event"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    actor: so.Mapped[str] = so.mapped_column(sa.String(80))
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    draft_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("design_draft.id"))
    version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_version.id"))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")


class ApiToken(Base):
    """A channel system's key to the REST API: acts for one organisation with the roles given; only the
    SHA-256 of the secret is kept, `prefix` lets people tell tokens apart."""

    __tablename__ = "api_token"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(12))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.ForeignKey("organisation.code"))
    roles: so.Mapped[str] = so.mapped_column(sa.String(200))  # comma-separated
    created_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    revoked_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class ApiCall(Base):
    """One call to the REST API or the Open311 intake, refused ones included: who, when, what, the answer."""

    __tablename__ = "api_call"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("api_token.id"), index=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    method: so.Mapped[str] = so.mapped_column(sa.String(10))
    path: so.Mapped[str] = so.mapped_column(sa.String(400))
    status: so.Mapped[int] = so.mapped_column()
    remote_addr: so.Mapped[str | None] = so.mapped_column(sa.String(64))


class ImportSource(Base):
    """A system whose exports are imported (the 12369 platform, a city hotline): its column mapping (JSON),
    saved once and used for every file of that source."""

    __tablename__ = "import_source"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.ForeignKey("organisation.code"))
    channel: so.Mapped[str] = so.mapped_column(sa.String(20))
    mapping: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON: our field -> their column
    updated_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class ImportedRow(Base):
    """A row of a source that became a case; its id in the source makes re-importing the same file a no-op."""

    __tablename__ = "imported_row"
    __table_args__ = (sa.UniqueConstraint("source_id", "source_row_id", name="uq_imported_row_source_row"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("import_source.id"))
    source_row_id: so.Mapped[str] = so.mapped_column(sa.String(100))
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id"))
    imported_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


# Tables that live next to the feature that owns them. They are imported here, so that importing this
# module registers every domain table with the metadata (Alembic, create_all in tests).
import workflows.admin.models  # the administrators' log
import workflows.oversight.models  # noqa: F401  (the backlog ledger, ownership, supervision, warnings)
