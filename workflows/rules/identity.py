"""One form for the identities petitions name, so that the same petitioner or reported party is found by
equality: phones as digits, reported parties without company suffixes and spaces."""
from __future__ import annotations

import re
import unicodedata

_COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "公司")


# -- who is behind a case ------------------------------------------------------------------------------
def _folded(text: str | None) -> str:
    """Full-width folded (NFKC), without spaces, punctuation or symbols."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZS" and not ch.isspace())


def normalise_place(text: str | None) -> str:
    """A place as typed (address or location) folded and lower-case: "文三路 99号" and "文三路99号" are one."""
    return _folded(text).lower()


def normalise_party(name: str | None) -> str:
    """A reported party's name without spaces, punctuation or a company-form suffix (有限公司, 公司)."""
    text = _folded(name)
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
