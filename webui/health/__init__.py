"""Liveness and a minimal landing page until the operator UI lands."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from engine.models import Instance, ProcessVersion

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    services = current_app.extensions["ecopetition"]
    with services.db.reader() as session:
        versions = session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion))
        cases = session.scalar(sa.select(sa.func.count()).select_from(Instance))
    return jsonify(status="ok", process_versions=versions, cases=cases)
