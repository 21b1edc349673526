"""The engine's tables: process versions, instances, the task queue, timers, the audit log and incidents."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite stores no offset)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; give a timezone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class ProcessVersion(Base):
    """One deployed bundle of BPMN, DMN and form files, identified by its content hash."""

    __tablename__ = "process_version"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    files: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON {path: text}
    process_ids: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON list of executable process ids
    deployed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    deployed_by: so.Mapped[str] = so.mapped_column(sa.String(120))
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")


class Instance(Base):
    """A running or finished workflow, pinned to the process version it started on."""

    __tablename__ = "instance"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    process_id: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("process_version.id"), index=True)
    business_key: so.Mapped[str | None] = so.mapped_column(sa.String(120), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)  # running, completed, cancelled
    state: so.Mapped[str] = so.mapped_column(sa.Text)
    serializer_version: so.Mapped[str] = so.mapped_column(sa.String(20))
    lock_version: so.Mapped[int] = so.mapped_column(default=1)
    event_count: so.Mapped[int] = so.mapped_column(default=0)
    last_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    # Incidents not yet resolved: the timer sweep skips such an instance, and its next step resolves them.
    open_incidents: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    # Every UPDATE checks and bumps lock_version: a stale writer changes nothing.
    __mapper_args__ = {"version_id_col": lock_version}


class QueueTask(Base):
    """A ready user task as the queue shows it: a projection of the workflow state."""

    __tablename__ = "queue_task"
    __table_args__ = (
        # The unclaimed queue filters organisation, role and assignee IS NULL, then orders by due time.
        sa.Index("ix_queue_org_role_assignee_due", "organisation", "role", "assignee", "due_at"),
        sa.Index("ix_queue_assignee_due", "assignee", "due_at"),
    )
    task_id: so.Mapped[str] = so.mapped_column(sa.String(36), primary_key=True)
    instance_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    task_ref: so.Mapped[str] = so.mapped_column(sa.String(200))
    spec_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    role: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    organisation: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    assignee: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    due_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    form: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class Timer(Base):
    """A timer the workflow is waiting on; the only record of what falls due when."""

    __tablename__ = "timer"
    __table_args__ = (sa.Index("ix_timer_status_due", "status", "due_at"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instance_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    task_id: so.Mapped[str] = so.mapped_column(sa.String(36))
    task_ref: so.Mapped[str] = so.mapped_column(sa.String(200))
    spec_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    name: so.Mapped[str] = so.mapped_column(sa.String(300))
    attached_to: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    interrupting: so.Mapped[bool] = so.mapped_column(default=True)
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="pending")  # pending, fired, cancelled
    fired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class AuditEvent(Base):
    """One command applied to an instance; append-only and hash-chained per instance."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.UniqueConstraint("instance_id", "seq", name="uq_audit_event_instance_seq"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instance_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("instance.id"), index=True)
    seq: so.Mapped[int] = so.mapped_column()
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    actor: so.Mapped[str] = so.mapped_column(sa.String(120))
    organisation: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    command: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    data: so.Mapped[str] = so.mapped_column(sa.Text)  # canonical JSON
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("process_version.id"))
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))


class Incident(Base):
    """A step of an instance that failed in a script or expression (a limit passed, or an error while firing a
    timer), kept for admins and designers until a retry or a later step of the instance succeeds."""

    __tablename__ = "incident"
    __table_args__ = (sa.Index("ix_incident_status_last", "status", "last_failed_at"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instance_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("process_version.id"))
    command: so.Mapped[str] = so.mapped_column(sa.String(40))  # the step that failed: timer, complete, ...
    element: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    limit: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # time, memory; None for another failure
    code: so.Mapped[str] = so.mapped_column(sa.String(60))
    params: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON of the error's params
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="open")  # open, resolved
    failures: so.Mapped[int] = so.mapped_column(default=1)
    first_failed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    last_failed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    resolved_by: so.Mapped[str | None] = so.mapped_column(sa.String(120))
