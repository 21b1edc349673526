"""The one time zone of the domain: dates and working days of mainland China are counted in Asia/Shanghai."""
from __future__ import annotations

from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TIMEZONE_NAME)
