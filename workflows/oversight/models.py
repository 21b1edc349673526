"""The oversight tables: backlog ledger entries, leader ownership, supervision orders and warnings."""
from __future__ import annotations
