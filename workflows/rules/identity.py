"""One form for the identities petitions name, so that the same petitioner or reported party is found by
equality: phones as digits, reported parties without company suffixes and spaces."""
from __future__ import annotations

import re
import unicodedata

_COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "公司")


# -- who is behind a case ------------------------------------------------------------------------------
def normalise_party(name: str | None) -> str:
    """A reported party's name without spaces, punctuation or a company-form suffix (有限公司, 公司)."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZS" and not ch.isspace())
    for suffix in _COMPANY_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text.lower()


def normalise_phone(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits
