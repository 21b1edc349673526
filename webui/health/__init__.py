"""Probes for a load balancer or orchestrator: liveness (/healthz) and readiness (/readyz).

Liveness asks nothing of the database: a node whose database is away is alive but not ready, and restarting
it would not help. Readiness answers 503 until the database answers, its schema is at the newest migration
and the petition process is deployed, so a node started before `db upgrade` and `deploy` gets no traffic.
Both say which scheduler this node runs (see webui/serving.py), for operators counting schedulers per node.
"""
from __future__ import annotations

import os

from flask import Blueprint, current_app, jsonify

from webui import current_services
from workflows.readiness import check_readiness

bp = Blueprint("health", __name__)


def _node() -> dict:
    from webui.serving import node_scheduler
    return {"pid": os.getpid(), "scheduler": node_scheduler(current_app)}


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", node=_node())


@bp.get("/readyz")
def readyz():
    readiness = check_readiness(current_services())
    body = {
        "ready": readiness.ready,
        "checks": {
            "database": readiness.database,
            "schema": {"ok": readiness.schema_at_head, "revision": readiness.schema_revision,
                       "head": readiness.schema_head},
            "process": {"ok": readiness.deployed, "version": readiness.process_version},
        },
        "node": _node(),
    }
    return jsonify(body), 200 if readiness.ready else 503
