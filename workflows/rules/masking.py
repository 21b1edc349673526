"""Masking personal data (张**, 138****0000): the petitioner's fields that pages and histories hide."""
from __future__ import annotations

# Personal data of the petitioner, masked wherever the history is shown (exports carry it and are logged).
PERSONAL_FIELDS = ("name", "phone", "id_number", "address")


def mask_personal(data: dict) -> dict:
    """The data with the petitioner's name, phone, ID number and address masked (张**, 138****0000)."""
    petitioner = data.get("petitioner")
    if not isinstance(petitioner, dict):
        return data
    masked = dict(petitioner)
    for key in PERSONAL_FIELDS:
        if isinstance(masked.get(key), str) and masked[key]:
            masked[key] = mask(masked[key])
    return dict(data, petitioner=masked)


def mask(text: str) -> str:
    if len(text) <= 2:
        return text[0] + "*" * (len(text) - 1)
    keep = 3 if text[:3].isdigit() and len(text) >= 8 else 1
    tail = 4 if text[-4:].isdigit() and len(text) >= 8 else 0
    return text[:keep] + "*" * (len(text) - keep - tail) + (text[-tail:] if tail else "")
