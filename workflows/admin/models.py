"""The administrators' own table: one row per administrative action, append-only."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.models import Base, UTCDateTime


class AdminEvent(Base):
    """An administrator did something to a user or an organisation: who, when, what, to whom, and the
    details (JSON: the values before and after, never a password)."""

    __tablename__ = "admin_event"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    actor: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    target: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)
    details: so.Mapped[str] = so.mapped_column(sa.Text, default="{}")
