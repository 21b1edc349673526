"""Organisation codes of the environment bureaus and the tree they form; pure functions, no database.

A bureau's code is ``EEB-`` followed by the 6-digit GB/T 2260 code of its division (``EEB-330106`` is
the 西湖区 bureau); the ministry ``MEE`` sits above the provinces. In a division code the last two digits
are the county, the two before them the city: ``330000`` is a province, ``330100`` a city, ``330106`` a
county. Longer codes (9 or 12 digits, townships and villages) belong to the county of their first six."""
from __future__ import annotations

import re
from typing import NamedTuple

MINISTRY = "MEE"


BUREAU_PREFIX = "EEB-"


LEVELS = ("ministry", "province", "city", "county")


_DIVISION = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


_BUREAU = re.compile(r"^EEB-(\d{6})$")


class Organisation(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None


DEMO_ORGANISATIONS: list[Organisation] = [
    Organisation("MEE", "生态环境部", "Ministry of Ecology and Environment", "ministry", None),
    Organisation("EEB-330000", "浙江省生态环境厅", "Zhejiang Provincial Department of Ecology and Environment",
                 "province", "MEE"),
    Organisation("EEB-330100", "杭州市生态环境局", "Hangzhou Municipal Ecology and Environment Bureau",
                 "city", "EEB-330000"),
    Organisation("EEB-330106", "杭州市生态环境局西湖分局", "Hangzhou Ecology and Environment Bureau, Xihu Branch",
                 "county", "EEB-330100"),
    Organisation("EEB-330110", "杭州市生态环境局余杭分局", "Hangzhou Ecology and Environment Bureau, Yuhang Branch",
                 "county", "EEB-330100"),
    Organisation("EEB-330200", "宁波市生态环境局", "Ningbo Municipal Ecology and Environment Bureau",
                 "city", "EEB-330000"),
    Organisation("EEB-330203", "宁波市生态环境局海曙分局", "Ningbo Ecology and Environment Bureau, Haishu Branch",
                 "county", "EEB-330200"),
    Organisation("EEB-330212", "宁波市生态环境局鄞州分局", "Ningbo Ecology and Environment Bureau, Yinzhou Branch",
                 "county", "EEB-330200"),
]


def check_division_code(code: str) -> str:
    """Return the 6-digit county part of a GB/T 2260 code of 6, 9 or 12 digits; refuse anything else."""
    if not isinstance(code, str) or not _DIVISION.match(code):
        raise ValueError(f"division code {code!r} is not a GB/T 2260 code: give 6, 9 or 12 digits, e.g. '330106'")
    return code[:6]


def division_level(code: str) -> str:
    """The bureau level a division code points at: 'province', 'city' or 'county'."""
    head = check_division_code(code)
    if head.endswith("0000"):
        return "province"
    if head.endswith("00"):
        return "city"
    return "county"


def bureau_for(division_code: str, level: str) -> str:
    """The code of the bureau at `level` ('province', 'city', 'county') over a division."""
    head = check_division_code(division_code)
    if level == "province":
        return BUREAU_PREFIX + head[:2] + "0000"
    if level == "city":
        if head.endswith("0000"):
            raise ValueError(f"division {division_code} is a province; it has no city bureau")
        return BUREAU_PREFIX + head[:4] + "00"
    if level == "county":
        if head.endswith("00"):
            raise ValueError(f"division {division_code} is not a county; give a county code such as 330106")
        return BUREAU_PREFIX + head
    raise ValueError(f"level {level!r} is not a bureau level; use province, city or county")


def org_level(org_code: str) -> str:
    """'ministry', 'province', 'city' or 'county' for an organisation code."""
    if org_code == MINISTRY:
        return "ministry"
    return division_level(_division_of(org_code))


def parent_org(org_code: str) -> str | None:
    """The bureau one level up: county -> city -> province -> MEE; None above the ministry."""
    level = org_level(org_code)
    if level == "ministry":
        return None
    if level == "province":
        return MINISTRY
    division = _division_of(org_code)
    return bureau_for(division, "province" if level == "city" else "city")


def org_above(org_code: str, levels: int = 1) -> str | None:
    """The bureau `levels` steps up the tree, or None when the tree ends first."""
    current: str | None = org_code
    for _ in range(levels):
        if current is None:
            return None
        current = parent_org(current)
    return current


def ancestors(org_code: str) -> list[str]:
    """Every bureau above `org_code`, nearest first."""
    found = []
    current = parent_org(org_code)
    while current is not None:
        found.append(current)
        current = parent_org(current)
    return found


def is_within(org_code: str, ancestor: str) -> bool:
    """True when `org_code` is `ancestor` or lies below it (what a supervisor of `ancestor` may see)."""
    return org_code == ancestor or ancestor in ancestors(org_code)


def _division_of(org_code: str) -> str:
    match = _BUREAU.match(org_code) if isinstance(org_code, str) else None
    if match is None:
        raise ValueError(f"organisation code {org_code!r} is not known: use 'MEE' or 'EEB-' and a 6-digit "
                         "division code, e.g. 'EEB-330106'")
    return match.group(1)


def division_of(org_code: str) -> str:
    """The 6-digit division code of a bureau ('EEB-330106' -> '330106'); ValueError for the ministry."""
    return _division_of(org_code)
