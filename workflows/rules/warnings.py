"""Early-warning rules (预警), pure: from a list of cases and the time of the sweep, find hotspots (N or more
cases about one reported party or place within a window) and sharp rises (a division's or a pollution type's
cases in the last period against the average of the periods before). No IO: the sweep reads the cases and
stores the warnings (workflows/oversight/warnings.py)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflows.rules.identity import normalise_party, normalise_place

HOTSPOT_PARTY = "hotspot_party"
HOTSPOT_PLACE = "hotspot_place"
RISE_DIVISION = "rise_division"
RISE_POLLUTION = "rise_pollution"


@dataclass(frozen=True)
class CaseFacts:
    """What the rules read of a case; `bureau` is the bureau answerable for it (whose supervisors are told)."""

    case_id: int
    bureau: str
    received_at: datetime
    reported_party: str = ""
    place: str = ""
    division_code: str = ""
    pollution_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class WarningRules:
    """The thresholds (config.yaml `oversight:`)."""

    hotspot_count: int = 3
    hotspot_days: int = 30
    rise_period_days: int = 30
    rise_previous_periods: int = 3
    rise_factor: float = 2.0
    rise_min_count: int = 5


@dataclass(frozen=True)
class Finding:
    """A warning to raise: its kind, the bureau, the normalised subject (and one case's wording of it), the
    cases behind it, how many, the previous periods' average for a rise, and the window looked at."""

    kind: str
    bureau: str
    subject: str
    label: str
    case_ids: tuple[int, ...]
    count: int
    baseline: float | None
    window_start: datetime
    window_end: datetime


def county_division(code: str) -> str:
    """The county-level part (six digits) of a GB/T 2260 code of 6, 9 or 12 digits."""
    return (code or "")[:6]


def hotspots(cases: Iterable[CaseFacts], until: datetime, rules: WarningRules) -> list[Finding]:
    """Reported parties and places with at least `hotspot_count` cases received in the `hotspot_days` before
    `until`, per bureau; each as one finding, most cases first."""
    start = until - timedelta(days=rules.hotspot_days)
    groups: dict[tuple[str, str, str], list[CaseFacts]] = defaultdict(list)
    for case in cases:
        if not start <= case.received_at < until:
            continue
        party = normalise_party(case.reported_party)
        if party:
            groups[(HOTSPOT_PARTY, case.bureau, party)].append(case)
        place = normalise_place(case.place)
        if place:
            groups[(HOTSPOT_PLACE, case.bureau, place)].append(case)
    found = []
    for (kind, bureau, subject), members in groups.items():
        if len(members) >= rules.hotspot_count:
            members.sort(key=lambda c: (c.received_at, c.case_id))
            label = members[0].reported_party if kind == HOTSPOT_PARTY else members[0].place
            found.append(Finding(kind, bureau, subject, label, tuple(c.case_id for c in members), len(members),
                                 None, start, until))
    return sorted(found, key=lambda f: (-f.count, f.kind, f.bureau, f.subject))


def rises(cases: Iterable[CaseFacts], until: datetime, rules: WarningRules) -> list[Finding]:
    """Divisions (county level) and pollution types whose cases in the last `rise_period_days` before `until`
    reach `rise_min_count` and `rise_factor` times the average of the `rise_previous_periods` periods before
    (an average below one case counts as one), per bureau."""
    period = timedelta(days=rules.rise_period_days)
    start = until - period
    earliest = until - period * (rules.rise_previous_periods + 1)
    current: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    before: dict[tuple[str, str, str], int] = defaultdict(int)
    for case in cases:
        if not earliest <= case.received_at < until:
            continue
        keys = [(RISE_POLLUTION, case.bureau, kind) for kind in sorted(set(case.pollution_types))]
        if county_division(case.division_code):
            keys.append((RISE_DIVISION, case.bureau, county_division(case.division_code)))
        for key in keys:
            if case.received_at >= start:
                current[key].append(case.case_id)
            else:
                before[key] += 1
    found = []
    for (kind, bureau, subject), ids in current.items():
        baseline = before[(kind, bureau, subject)] / rules.rise_previous_periods
        if len(ids) >= rules.rise_min_count and len(ids) >= rules.rise_factor * max(baseline, 1.0):
            found.append(Finding(kind, bureau, subject, subject, tuple(sorted(ids)), len(ids), baseline, start,
                                 until))
    return sorted(found, key=lambda f: (-f.count, f.kind, f.bureau, f.subject))


def findings(cases: Iterable[CaseFacts], until: datetime, rules: WarningRules) -> list[Finding]:
    """Hotspots, then rises."""
    cases = list(cases)
    return hotspots(cases, until, rules) + rises(cases, until, rules)
