"""Whether this node can take requests: the database answers, its schema is at the newest migration this code
ships, and the petition process is deployed. A load balancer's readiness probe reads this (webui/health);
liveness (the process answers at all) needs no database and is not asked here."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.errors import NotFound
from workflows.cases import PROCESS_ID
from workflows.migrate import head_revision, schema_revision

if TYPE_CHECKING:
    from workflows.bootstrap import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    """The three checks; `ready` only when all pass. Revisions are Alembic's ids ("0007"), None when absent."""

    database: bool
    schema_revision: str | None
    schema_head: str | None
    process_version: int | None

    @property
    def schema_at_head(self) -> bool:
        return self.database and self.schema_revision is not None and self.schema_revision == self.schema_head

    @property
    def deployed(self) -> bool:
        return self.process_version is not None

    @property
    def ready(self) -> bool:
        return self.database and self.schema_at_head and self.deployed


def check_readiness(services: Services) -> Readiness:
    """Ask the database; a database that cannot be reached makes the node not ready, never an error."""
    head = head_revision()
    try:
        with services.db.engine.connect() as connection:
            revision = schema_revision(connection)
    except sa.exc.DBAPIError as exc:
        # The reason goes to the node's log, not to the public probe's answer (it may name hosts).
        log.warning("readiness: the database is not reachable: %s", exc.__class__.__name__)
        return Readiness(False, None, head, None)
    version = None
    if revision == head:
        try:
            version = services.definitions.latest_for(PROCESS_ID)
        except NotFound:
            version = None
        except sa.exc.DBAPIError as exc:
            log.warning("readiness: reading the deployed versions failed: %s", exc.__class__.__name__)
            return Readiness(False, revision, head, None)
    return Readiness(True, revision, head, version)
