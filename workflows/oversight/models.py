"""The oversight tables: backlog ledger entries, leader ownership, supervision orders, warnings, and the
append-only event log that records every change to them (who, when, what, with the note given).

This module must not import workflows.models (which imports it); foreign keys name tables by string.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.models import Base, UTCDateTime

# Backlog ledger entry: on the ledger, strike-off asked for and awaiting approval, struck off (销号).
LEDGER_STATUSES = ("open", "strike_requested", "struck_off")
# Who approves striking off an entry: a leader of the case's bureau, or a supervisor of the bureau above.
APPROVERS = ("leader", "supervisor")
# 督办 (an order) and 挂牌督办 (listed, placarded supervision: the heavier level).
SUPERVISION_LEVELS = ("order", "listed")
# An order waits for written feedback (open), went past its deadline without it (overdue), or was answered.
ORDER_STATUSES = ("open", "overdue", "answered")
WARNING_KINDS = ("hotspot_party", "hotspot_place", "rise_division", "rise_pollution")
# A warning is new (open), acknowledged with a note, or acted on (turned into a supervision order).
WARNING_STATUSES = ("open", "acknowledged", "acted")


class BacklogEntry(Base):
    """A case on the backlog ledger (积案台账): it went past a statutory deadline while still open. One entry
    per case; `organisation` is the bureau answerable for it (handling, else registering bureau)."""

    __tablename__ = "backlog_entry"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"), unique=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(60))
    org_path: so.Mapped[str] = so.mapped_column(sa.String(400), index=True)
    overdue_since: so.Mapped[datetime] = so.mapped_column(UTCDateTime)   # the deadline that was missed
    entered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    owner: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    plan: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    approver_role: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # set when strike-off is requested
    requested_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    requested_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    struck_off_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    struck_off_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class CaseOwnership(Base):
    """A leader owns a case (领导包案) from `taken_at` until `released_at`; at most one open row per case."""

    __tablename__ = "case_ownership"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"), index=True)
    leader: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(60))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    taken_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    released_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)


class SupervisionOrder(Base):
    """A supervisor's order on a case (督办, or 挂牌督办 at level `listed`) to the handling bureau, which owes
    written feedback by `feedback_due`; late orders are marked overdue and escalated by the oversight sweep."""

    __tablename__ = "supervision_order"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"), index=True)
    level: so.Mapped[str] = so.mapped_column(sa.String(20))
    issued_by: so.Mapped[str] = so.mapped_column(sa.String(80))
    issuer_org: so.Mapped[str] = so.mapped_column(sa.String(60))
    target_org: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    target_path: so.Mapped[str] = so.mapped_column(sa.String(400), index=True)
    instructions: so.Mapped[str] = so.mapped_column(sa.Text)
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    feedback_due: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    escalated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    feedback: so.Mapped[str | None] = so.mapped_column(sa.Text)
    feedback_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    feedback_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    warning_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("early_warning.id"))


class EarlyWarning(Base):
    """A hotspot or a sharp rise found by the oversight sweep, for the supervisors of `organisation` and above.
    `dedupe_key` makes a second node's (or a rerun's) identical warning a no-op."""

    __tablename__ = "early_warning"
    __table_args__ = (sa.UniqueConstraint("dedupe_key", name="uq_early_warning_dedupe"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(60))
    org_path: so.Mapped[str] = so.mapped_column(sa.String(400), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))        # normalised party or place, division, type
    subject_label: so.Mapped[str] = so.mapped_column(sa.String(300))  # as a case wrote it
    count: so.Mapped[int] = so.mapped_column()
    baseline: so.Mapped[float | None] = so.mapped_column()
    window_start: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    window_end: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    case_ids: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON list
    dedupe_key: so.Mapped[str] = so.mapped_column(sa.String(400))
    raised_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    handled_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    handled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)


class OversightEvent(Base):
    """Append-only record of every change to the oversight tables: entering the ledger, plans, progress notes,
    strike-off requests and decisions, ownership, orders and their feedback or escalation, warnings handled.
    Progress notes on a ledger entry are these events (kind `ledger.progress`)."""

    __tablename__ = "oversight_event"
    __table_args__ = (sa.Index("ix_oversight_event_subject", "subject", "subject_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    actor: so.Mapped[str] = so.mapped_column(sa.String(80))
    organisation: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    case_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("petition_case.id", ondelete="CASCADE"),
                                                      index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(20))  # ledger, ownership, order, warning
    subject_id: so.Mapped[int] = so.mapped_column()
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    data: so.Mapped[str] = so.mapped_column(sa.Text, default="{}")  # JSON
