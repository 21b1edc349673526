"""Repeat petitions (重复信访): finding earlier cases of the same petitioner (or, when the petitioner is
anonymous, about the same reported party) on substantially the same matter, and the links between them.

Text similarity is the cosine of TF-IDF vectors over the words of facts and demands, cut by jieba's
Chinese word segmentation and weighted by the IDF table jieba ships (a large general corpus): generic
words count little, distinctive ones (an enterprise's name, 油烟, 偷排) much. Registration proposes links
(`propose_links`); the registrar confirms or rejects them, or names earlier cases outright (`link_cases`)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData, NotAllowed, NotFound
from workflows.accounts import Actor
from workflows.cases import get_case
from workflows.models import Case, CaseLink
from workflows.protection import keyring_for
from workflows.rules.identity import normalise_party, normalise_phone
from workflows.rules.similarity import (
    cosine,
    matter_text,
    term_vector,
    terms,
)
from workflows.settings import RepeatDetectionSettings

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# How much knowing who is behind the case weighs against how alike the texts are.
IDENTITY_WEIGHT = 0.35


TEXT_WEIGHT = 1 - IDENTITY_WEIGHT


# How sure each kind of identity match is: an ID number or name and phone together name one person; a
# shared phone may be a relative; a reported party is all an anonymous case offers.
SAME_ID_NUMBER = 1.0


SAME_NAME_AND_PHONE = 1.0


SAME_PHONE = 0.8


SAME_REPORTED_PARTY = 0.7


# Enough rows to judge a busy petitioner's history without reading a whole year of a bureau's cases.
MAX_ROWS = 500


# Why a case may repeat another, as codes stored in case_link.reason ("same_phone; similar_text:0.83") and
# worded in the reader's language by the web layer; `similar_text` carries the cosine after a colon.
SAME_ID_NUMBER_REASON = "same_id_number"
SAME_NAME_AND_PHONE_REASON = "same_name_and_phone"
SAME_PHONE_REASON = "same_phone"
SAME_PARTY_REASON = "same_reported_party"
ANONYMOUS_SAME_PARTY_REASON = "anonymous_same_party"
SIMILAR_TEXT_REASON = "similar_text"
CONFIRMED_REASON = "confirmed_by_registrar"
REASONS = (SAME_ID_NUMBER_REASON, SAME_NAME_AND_PHONE_REASON, SAME_PHONE_REASON, SAME_PARTY_REASON,
           ANONYMOUS_SAME_PARTY_REASON, SIMILAR_TEXT_REASON, CONFIRMED_REASON)


@dataclass(frozen=True)
class RepeatCandidate:
    """An earlier case the new one may repeat, how likely (0..1) and why (reason codes, see REASONS)."""

    case_id: int
    case_no: str
    received_at: datetime
    reported_party: str
    score: float
    similarity: float
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def _same_name(a: str | None, b: str | None) -> bool:
    return bool(a and b) and re.sub(r"\s", "", a) == re.sub(r"\s", "", b)


def _identity(candidate: Mapping[str, Any], row: Case) -> tuple[float, list[str]]:
    """How surely the same petitioner (or reported party, for anonymous cases) stands behind both, and why."""
    petitioner = candidate.get("petitioner") or {}
    strength, reasons = 0.0, []
    if not _is_anonymous(petitioner) and not row.anonymous:
        id_number = (petitioner.get("id_number") or "").strip().upper()
        phone = normalise_phone(petitioner.get("phone"))
        same_phone = bool(phone) and phone == normalise_phone(row.petitioner_phone)
        if id_number and id_number == (row.petitioner_id_number or "").strip().upper():
            strength, reasons = SAME_ID_NUMBER, [SAME_ID_NUMBER_REASON]
        elif same_phone and _same_name(petitioner.get("name"), row.petitioner_name):
            strength, reasons = SAME_NAME_AND_PHONE, [SAME_NAME_AND_PHONE_REASON]
        elif same_phone:
            strength, reasons = SAME_PHONE, [SAME_PHONE_REASON]
    party = normalise_party(candidate.get("reported_party"))
    if party and party == normalise_party(row.reported_party):
        if strength:
            strength = 1.0
            reasons.append(SAME_PARTY_REASON)
        elif _is_anonymous(petitioner):
            strength, reasons = SAME_REPORTED_PARTY, [ANONYMOUS_SAME_PARTY_REASON]
    return strength, reasons


def _is_anonymous(petitioner: Mapping[str, Any]) -> bool:
    """Anonymous, or nothing that names a person (no ID number, phone or name)."""
    return bool(petitioner.get("anonymous")) or not any(
        (petitioner.get(key) or "").strip() for key in ("id_number", "phone", "name"))


def score_pair(candidate: Mapping[str, Any], row: Case) -> tuple[float, float, list[str]]:
    """(score, text similarity, reasons) of `row` as an earlier case that `candidate` repeats."""
    identity, reasons = _identity(candidate, row)
    return _score(identity, reasons, _candidate_vector(candidate), row)


def _candidate_vector(candidate: Mapping[str, Any]) -> dict[str, float]:
    return term_vector(terms(matter_text(candidate.get("facts"), candidate.get("demands"))))


def _score(identity: float, reasons: list[str], vector: Mapping[str, float], row: Case
           ) -> tuple[float, float, list[str]]:
    similarity = cosine(vector, term_vector(terms(matter_text(row.facts, row.demands))))
    score = round(min(1.0, IDENTITY_WEIGHT * identity + TEXT_WEIGHT * similarity), 3)
    return score, round(similarity, 3), reasons + [f"{SIMILAR_TEXT_REASON}:{similarity:.2f}"]


# -- finding repeats -----------------------------------------------------------------------------------
def registration_of(case: Case) -> dict:
    """A stored case in the shape of registration data, as `find_repeats` takes it."""
    return {"petitioner": {"name": case.petitioner_name or "", "phone": case.petitioner_phone or "",
                           "id_number": case.petitioner_id_number or "", "anonymous": case.anonymous},
            "reported_party": case.reported_party, "reported_address": case.reported_address or "",
            "facts": case.facts, "demands": case.demands or "", "received_at": case.received_at}


def find_repeats(session: so.Session, candidate: Mapping[str, Any], window_days: int, threshold: float,
                 now: datetime, exclude_case_id: int | None = None, limit: int = 10) -> list[RepeatCandidate]:
    """Earlier cases that `candidate` (registration data) likely repeats, best first, scoring at least `threshold`.

    Only cases received in the `window_days` before the candidate's receipt (or `now`) and registered
    by now are considered, and of those only the same petitioner's, or for an anonymous petitioner
    those about the same reported party.
    """
    vector = _candidate_vector(candidate)
    found = []
    for row in _identity_matches(session, candidate, window_days, now, exclude_case_id):
        identity, reasons = _identity(candidate, row)
        if not identity:
            continue
        score, similarity, reasons = _score(identity, reasons, vector, row)
        if score >= threshold:
            found.append(RepeatCandidate(row.id, row.case_no, row.received_at, row.reported_party, score,
                                         similarity, tuple(reasons)))
    found.sort(key=lambda c: (-c.score, -c.received_at.timestamp(), c.case_id))
    return found[:limit]


def suggest_repeats(services: Services, registration: Mapping[str, Any]) -> list[RepeatCandidate]:
    """Earlier cases a registration being typed may repeat, with the deployment's window and threshold."""
    if not registration.get("facts"):
        return []
    settings = services.settings.repeat_detection
    with services.db.reader() as session:
        return find_repeats(session, registration, settings.window_days, settings.threshold,
                            services.clock.now())


def _identity_matches(session: so.Session, candidate: Mapping[str, Any], window_days: int, now: datetime,
                      exclude_case_id: int | None) -> list[Case]:
    """Cases in the window that may share the candidate's petitioner or reported party (checked afterwards)."""
    received = _received_at(candidate.get("received_at")) or now
    petitioner = candidate.get("petitioner") or {}
    clauses = []
    keyring = keyring_for(session)
    if not _is_anonymous(petitioner):
        id_number = (petitioner.get("id_number") or "").strip()
        if id_number:
            # register_case stores ID numbers in upper case and phones as normalised digits, sealed: equality
            # on their blind indexes (under every key of the ring, so rows indexed before a rotation match).
            clauses.append(Case.petitioner_id_number_index.in_(
                keyring.blind_indexes(id_number.upper(), "petitioner_id_number")))
        phone = normalise_phone(petitioner.get("phone"))
        if len(phone) >= 4:
            clauses.append(Case.petitioner_phone_index.in_(keyring.blind_indexes(phone, "petitioner_phone")))
    else:
        party = normalise_party(candidate.get("reported_party"))
        if party:
            clauses.append(sa.func.lower(Case.reported_party).like(f"%{_escape_like(party)}%", escape="\\"))
    if not clauses:
        return []
    stmt = (sa.select(Case).where(sa.or_(*clauses), Case.received_at >= received - timedelta(days=window_days),
                                  Case.received_at <= max(received, now))
            .order_by(Case.received_at.desc()).limit(MAX_ROWS))
    if exclude_case_id is not None:
        stmt = stmt.where(Case.id != exclude_case_id)
    return list(session.scalars(stmt))


def _received_at(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- links ---------------------------------------------------------------------------------------------
def propose_links(tx: so.Session, case: Case, settings_section: RepeatDetectionSettings, actor: Actor | str,
                  at: datetime) -> list[CaseLink]:
    """Store a proposed link from a just-registered case to each earlier case it likely repeats.

    `settings_section` is the `repeat_detection` settings (window_days, threshold). Pairs already linked
    (say, confirmed on the registration page) are left as they are.
    """
    found = find_repeats(tx, registration_of(case), settings_section.window_days,
                         settings_section.threshold, at, exclude_case_id=case.id)
    linked = set(tx.scalars(sa.select(CaseLink.linked_case_id).where(CaseLink.case_id == case.id)))
    links = []
    for candidate in found:
        if candidate.case_id in linked:
            continue
        link = CaseLink(case_id=case.id, linked_case_id=candidate.case_id, score=candidate.score,
                        reason=candidate.reason[:300], status="proposed", created_by=_username(actor),
                        created_at=at)
        tx.add(link)
        links.append(link)
    tx.flush()
    return links


def link_cases(tx: so.Session, case: Case, case_nos: list[str], actor: Actor | str, at: datetime) -> list[CaseLink]:
    """Store confirmed links from `case` to the earlier cases the registrar named; InvalidData names unknown numbers."""
    wanted = list(dict.fromkeys(n.strip() for n in case_nos if n and n.strip()))
    if case.case_no in wanted:
        raise InvalidData("repeats.not_linked",
                          errors={"link_case_nos": FieldError("repeats.self_link", {"case": case.case_no})})
    rows = {row.case_no: row for row in tx.scalars(sa.select(Case).where(Case.case_no.in_(wanted)))}
    unknown = [n for n in wanted if n not in rows]
    if unknown:
        raise InvalidData("repeats.not_linked",
                          errors={"link_case_nos": FieldError("repeats.unknown_cases", {"cases": unknown})})
    existing = {link.linked_case_id: link for link in tx.scalars(
        sa.select(CaseLink).where(CaseLink.case_id == case.id))}
    candidate = registration_of(case)
    links = []
    for case_no in wanted:
        row = rows[case_no]
        score, _, reasons = score_pair(candidate, row)
        reason = "; ".join([CONFIRMED_REASON] + reasons)[:300]
        link = existing.get(row.id)
        if link is None:
            link = CaseLink(case_id=case.id, linked_case_id=row.id, created_by=_username(actor), created_at=at)
            tx.add(link)
        link.score, link.reason, link.status = score, reason, "confirmed"
        links.append(link)
    tx.flush()
    return links


def confirm_link(tx: so.Session, link_id: int, actor: Actor) -> CaseLink:
    """The registrar (or a supervisor) agrees the case repeats the linked one."""
    return _decide(tx, link_id, actor, "confirmed")


def reject_link(tx: so.Session, link_id: int, actor: Actor) -> CaseLink:
    """The registrar (or a supervisor) finds the proposed link wrong; it stays on record as rejected."""
    return _decide(tx, link_id, actor, "rejected")


def _decide(tx: so.Session, link_id: int, actor: Actor, status: str) -> CaseLink:
    link = tx.get(CaseLink, link_id)
    if link is None:
        raise NotFound("repeats.link_not_found", link=link_id)
    if not actor.has("registrar", "supervisor"):
        raise NotAllowed("repeats.decision_not_allowed")
    get_case(tx, actor, link.case_id)
    link.status = status
    tx.flush()
    return link


def _username(actor: Actor | str) -> str:
    return actor if isinstance(actor, str) else actor.username
