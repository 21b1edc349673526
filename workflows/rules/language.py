"""The languages the product speaks (locale codes, defined here once) and `N_`, which marks an English
message id for the gettext catalogs where it is written; it is translated where it is shown."""
from __future__ import annotations

DEFAULT_LOCALE = "zh_CN"
LOCALES = (DEFAULT_LOCALE, "en")


def N_(text: str) -> str:
    """Marks a message for extraction (pybabel -k N_) and returns it unchanged."""
    return text
