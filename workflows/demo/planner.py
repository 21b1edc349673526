"""Planning the demo's cases: how many of each scenario, where they are filed, and when each step
happens, so that every stage of the lifecycle holds cases today."""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from workflows.bootstrap import Services
from workflows.demo import texts
from workflows.demo.scenarios import REQUIRED, SCENARIOS, WEIGHTS, Scenario
from workflows.rules.timezone import SHANGHAI

COUNTY_WEIGHTS = {"330106": 3, "330110": 3, "330203": 2, "330212": 2}

DAYS_BACK = 120


OLDEST_DAYS = 117.5


NON_RADIATION_TYPES = ("air", "water", "noise", "solid_waste", "soil", "ecology", "other")


# Channels by where a case comes in.
CHANNELS = {"county": ("12369", "letter", "wechat", "visit", "web", "email"),
            "city_assign": ("12345", "superior", "letter"), "province_assign": ("inspection", "superior"),
            "city": ("12369", "web", "letter"), "province": ("superior", "inspection", "letter")}


# -- planning the cases --------------------------------------------------------------------------------
@dataclass
class Plan:
    """One demo case: its registration form, its scenario, and when each of its steps happens."""

    index: int
    scenario: Scenario
    place: str
    rng: random.Random                          # draws the registration and the receipt time
    step_rng: random.Random                     # draws what each step says
    form: dict = field(default_factory=dict)
    matter: texts.Matter | None = None
    category: str = "pollution_complaint"
    forward_to: str = ""
    forward_reason: str = ""
    joint_departments: tuple[str, ...] = ()
    times: list[datetime] = field(default_factory=list)
    repeats: Plan | None = None
    confirmed_link: bool = False
    case_id: int | None = None
    instance_id: int | None = None
    case_no: str = ""
    done: int = 0
    stuck: str = ""

    @property
    def anonymous(self) -> bool:
        return bool(self.form["petitioner"].get("anonymous"))

    @property
    def received_at(self) -> datetime:
        return datetime.fromisoformat(self.form["received_at"])

    @property
    def registration_org(self) -> str:
        county = self.form["division_code"][:6]
        if self.place in ("city_assign", "city"):
            return f"EEB-{county[:4]}00"
        if self.place in ("province_assign", "province"):
            return "EEB-330000"
        return f"EEB-{county}"


class Planner:
    """Draws the cases: who complains about what and where, and a receipt time that fits each scenario."""

    def __init__(self, services: Services, seed: int, now: datetime) -> None:
        self.calc = services.deadlines
        self.seed = seed
        self.now = now
        self.rng = random.Random(seed)
        # Channels and pollution types in turn, so that even a small demo has every one of them.
        self.turns: dict[str, int] = {}

    def plans(self, count: int) -> list[Plan]:
        entries = list(REQUIRED[:count])
        names, weights = zip(*WEIGHTS.items())
        while len(entries) < count:
            scenario = SCENARIOS[self.rng.choices(names, weights)[0]]
            place = self.rng.choices(scenario.places, [8 if p == "county" else 1 for p in scenario.places])[0]
            entries.append((scenario.name, place))
        plans = [self._plan(i, SCENARIOS[name], place) for i, (name, place) in enumerate(entries)]
        self._add_repeats(plans)
        return sorted(plans, key=lambda p: (p.received_at, p.index))

    def _plan(self, index: int, scenario: Scenario, place: str) -> Plan:
        plan = Plan(index, scenario, place, random.Random(f"{self.seed}/{index}"),
                    random.Random(f"{self.seed}/{index}/steps"))
        rng = plan.rng
        county = texts.COUNTIES[rng.choices(list(COUNTY_WEIGHTS), list(COUNTY_WEIGHTS.values()))[0]]
        town_code, town = rng.choice(county.towns)
        road, community = rng.choice(county.roads), rng.choice(county.communities)
        words = {"city": county.city, "county": county.name, "town": town, "road": road, "community": community,
                 "brand": rng.choice(texts.BRANDS), "hour": rng.choice(("九", "十", "十一"))}
        party, types, facts, demands, petition_class = self._matter(plan)
        words["party"] = party.format(**words)
        number = rng.randint(1, 999)
        division = county.code
        if place == "city" and "radiation" not in types:
            division = county.code[:4] + "00"         # a matter of the whole city
        elif place != "city" and rng.random() < 0.6:
            division += town_code + (f"{rng.randint(1, 30):03d}" if rng.random() < 0.2 else "")
        channel = self._next(place, CHANNELS[place])
        plan.form = {
            "channel": channel,
            "received_at": "",
            "petitioner": {"anonymous": True} if not scenario.named and rng.random() < 0.25
            else self._petitioner(rng, county, community),
            "reported_party": words["party"],
            "reported_address": f"{county.city}{county.name}{town}{road}{number}号",
            "division_code": division,
            "location": f"{road}{number}号附近",
            "pollution_types": list(types),
            "petition_class": petition_class,
            "facts": facts.format(**words),
            "demands": demands.format(**words),
            "cross_county": place == "province",
        }
        if scenario.track == "simple":
            plan.form["track"] = "simple"
            # Only a single petitioner's first petition qualifies (bpmn/track.dmn); _add_repeats skips these.
            if "group_size" in plan.form["petitioner"]:
                plan.form["petitioner"]["group_size"] = 1
        plan.forward_to = plan.forward_to.format(**words)
        city = county.code[:4] + "00"
        sibling = next(c for c in texts.CITY_COUNTIES[city] if c != county.code)
        plan.joint_departments = (f"EEB-{city}", f"EEB-{sibling}")
        self._schedule(plan)
        return plan

    def _next(self, turn: str, options: tuple[str, ...]) -> str:
        self.turns[turn] = self.turns.get(turn, -1) + 1
        return options[self.turns[turn] % len(options)]

    def _matter(self, plan: Plan) -> tuple[str, tuple[str, ...], str, str, str]:
        """(reported party template, pollution types, facts, demands, petition class) of the plan's matter."""
        rng, kind = plan.rng, plan.scenario.kind
        if kind == "legal":
            plan.category, types, facts, demands = rng.choice(texts.LEGAL_MATTERS)
            party = rng.choice(texts.PARTY_KINDS[texts.LEGAL_PARTY_KINDS[plan.category]])
            return party, types, facts, demands, "grievance"
        if kind == "forward":
            types, party, facts, demands, plan.forward_to, plan.forward_reason = rng.choice(texts.FORWARD_MATTERS)
            plan.category = "other"
            return party, types, facts, demands, "report"
        # A city bureau handles radiation, and matters given with a city-level division code.
        wanted = self._next("pollution", NON_RADIATION_TYPES)
        if plan.place == "city" and self._next("city", ("radiation", "other")) == "radiation":
            wanted = "radiation"
        plan.matter = rng.choice([m for m in texts.MATTERS if wanted in m.types
                                  and ("radiation" in m.types) == (wanted == "radiation")])
        plan.category = plan.matter.category
        party = rng.choice(texts.PARTY_KINDS[plan.matter.kind])
        return party, plan.matter.types, plan.matter.facts, plan.matter.demands, plan.matter.petition_class

    @staticmethod
    def _petitioner(rng: random.Random, county: texts.County, community: str) -> dict:
        petitioner = {"name": rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN_NAMES),
                      "phone": rng.choice(texts.PHONE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
                      "address": f"{county.city}{county.name}{community}{rng.randint(1, 30)}幢"
                                 f"{rng.randint(1, 3)}单元{rng.randint(1, 25)}{rng.randint(1, 4):02d}室",
                      "anonymous": False, "group_size": 1 if rng.random() < 0.9 else rng.randint(3, 40)}
        if rng.random() < 0.7:
            petitioner["id_number"] = _id_number(rng, county.code)
        return petitioner

    def _add_repeats(self, plans: list[Plan]) -> None:
        """A few petitioners come back about the same matter; every other time the registrar links it at once."""
        wanted, chosen = max(2, len(plans) // 25), 0
        for plan in sorted(plans, key=lambda p: (-p.received_at.timestamp(), p.index)):
            if chosen >= wanted:
                break
            if plan.scenario.kind != "matter" or plan.place != "county" or plan.scenario.track == "simple":
                continue
            earlier = [p for p in plans if p.scenario.kind == "matter" and p.place == "county" and p.repeats is None
                       and p.received_at < plan.received_at - timedelta(days=7)
                       and not (p.anonymous and plan.scenario.named)]
            if not earlier:
                continue
            origin = plan.rng.choice(sorted(earlier, key=lambda p: p.index))
            plan.repeats, plan.confirmed_link = origin, chosen % 2 == 0
            plan.matter, plan.category = origin.matter, origin.category
            for key in ("petitioner", "reported_party", "reported_address", "division_code", "location",
                        "pollution_types", "petition_class", "demands"):
                plan.form[key] = copy.deepcopy(origin.form[key])
            plan.form["facts"] = "再次反映：" + origin.form["facts"] + "上次处理后问题又出现了。"
            chosen += 1

    # -- when things happen ----------------------------------------------------------------------------
    def _schedule(self, plan: Plan) -> None:
        """Pick a receipt time for which the scenario's clocks leave the case in its stage today."""
        rng = plan.rng
        low, high = 0.2, OLDEST_DAYS
        any_day = plan.form["channel"] in ("web", "wechat", "12369", "email")
        for attempt in range(400):
            age = rng.uniform(low, high)
            received = _office_hours(self.now - timedelta(days=age), rng, any_day=any_day)
            times, marks = self._timeline(plan, received)
            verdict = self._fits(plan, received, times, marks)
            if verdict == 0:
                plan.form["received_at"] = received.astimezone(SHANGHAI).isoformat(timespec="seconds")
                plan.times = times
                return
            # Narrow the range: too late a receipt leaves no time, too early lets a clock run out.
            low, high = (age, high) if verdict > 0 else (low, age)
            if high - low < 0.3:
                low, high = 0.2, OLDEST_DAYS
        raise RuntimeError(f"demo scenario {plan.scenario.name!r} fits no receipt time in the last "
                           f"{OLDEST_DAYS} days")

    def _timeline(self, plan: Plan, received: datetime) -> tuple[list[datetime], dict[str, datetime]]:
        # The same delays for every receipt time tried, so that trying earlier or later converges.
        rng = random.Random(f"{self.seed}/{plan.index}/timeline")
        marks = {"received": received}
        times, moment = [], received
        for step in plan.scenario.steps:
            if step.after_due:
                key, mark = step.after_due
                ran_out = self.calc.due(key, marks[mark]) + timedelta(days=rng.uniform(0.3, 2))
                moment = _office_hours(ran_out, rng, later=True)
            else:
                at = moment + timedelta(days=rng.uniform(*step.delay))
                if step.by != "system":
                    at = _office_hours(at, rng, any_day=step.by == "petitioner")
                moment = max(at, moment + timedelta(minutes=rng.uniform(10, 90)))
            times.append(moment)
            if step.mark:
                marks[step.mark] = moment
        return times, marks

    def _fits(self, plan: Plan, received: datetime, times: list[datetime], marks: dict[str, datetime]) -> int:
        """0 if the timeline fits; 1 if the case should be received earlier, -1 if later."""
        scenario, margin = plan.scenario, timedelta(hours=6)
        if received < self.now - timedelta(days=OLDEST_DAYS):
            return -1
        if times[-1] > self.now - timedelta(hours=1):
            return 1
        if scenario.settled and self.now < self._due(scenario.settled, marks) + margin:
            return 1
        if scenario.hold is not None and self.now - times[-1] > timedelta(days=scenario.hold):
            return -1
        if scenario.until and self.now > self._due(scenario.until, marks) - margin:
            return -1
        return 0

    def _due(self, clock: tuple[str, str] | str, marks: dict[str, datetime]) -> datetime:
        if clock == "extension":
            return self.calc.extension_from_end(self.calc.statutory_end("handling", marks["accepted"]), 30)
        key, mark = clock
        return self.calc.due(key, marks[mark])


def _office_hours(moment: datetime, rng: random.Random, any_day: bool = False, later: bool = False) -> datetime:
    """`moment` moved into working hours: 08:30-17:30 on a weekday, or 07:00-22:00 any day for petitioners.

    It stays on its day where it can (else goes back to the last working day); with `later` it only ever
    moves forward, so a step that waits for a clock never comes before the clock ran out.
    """
    local = moment.astimezone(SHANGHAI)
    start, end = (7.0, 22.0) if any_day else (8.5, 17.5)
    hour = local.hour + local.minute / 60

    def open_on(day: date) -> bool:
        return any_day or day.weekday() < 5

    if open_on(local.date()) and start <= hour <= end:
        return moment
    day, step = local.date(), timedelta(days=1 if later else -1)
    if later:
        if not (open_on(day) and hour < start):
            day += step
        pick = rng.uniform(start, start + 2)
    else:
        pick = rng.uniform(start, end)
    while not open_on(day):
        day += step
    clock_time = dtime(int(pick), int(pick % 1 * 60), rng.randint(0, 59))
    return datetime.combine(day, clock_time, tzinfo=SHANGHAI).astimezone(moment.tzinfo)


def _id_number(rng: random.Random, county_code: str) -> str:
    """A well-formed resident ID number (GB 11643 check digit) of someone born in the county."""
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    body = f"{county_code}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
