"""The words of the portal's codes: public stages, notice kinds, reply opinions, review outcomes, ratings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STAGES = {
    "received": _l("Received, acceptance being decided"), "handling": _l("Accepted, being handled"),
    "replied": _l("Replied"), "under_review": _l("Review requested, being reviewed"),
    "refused": _l("Not accepted"), "forwarded": _l("Forwarded to the competent authority"), "closed": _l("Closed"),
}
STAGE_DEADLINES = {
    "received": _l("Acceptance decided by"), "handling": _l("Written reply due by"),
    "replied": _l("Review may be requested until"), "under_review": _l("Review opinion due by"),
}
NOTICES = {
    "acceptance": _l("Accepted"), "refusal": _l("Not accepted"), "forwarding": _l("Forwarded"),
    "assignment": _l("Assigned to the bureau on site"), "extension": _l("Handling period extended"),
    "track_change": _l("Moved from the simple to the normal track"),
    "review_opinion": _l("Review opinion"), "rereview_opinion": _l("Re-review opinion"),
}
NOTICE_DETAILS = {
    "track": _l("Track"), "handling_due": _l("Reply due by"), "reason": _l("Reason"),
    "legal_channel": _l("Legal channel"), "to": _l("To"), "days": _l("Days added"), "outcome": _l("Outcome"),
    "by": _l("By"),
}
OPINIONS = {"support": _l("Supported"), "explain": _l("Explained"), "not_support": _l("Not supported")}
OUTCOMES = {"uphold": _l("The reply is upheld"), "remand": _l("Sent back for handling again")}
RATINGS = {"satisfied": _l("Satisfied"), "basically_satisfied": _l("Basically satisfied"),
           "dissatisfied": _l("Dissatisfied")}
REVIEWS = {"review": _l("review"), "rereview": _l("re-review")}

TABLES = {"stage": STAGES, "stage_deadline": STAGE_DEADLINES, "notice": NOTICES, "notice_detail": NOTICE_DETAILS,
          "opinion": OPINIONS, "outcome": OUTCOMES, "rating": RATINGS, "review": REVIEWS}


def portal_label(kind: str, code: str) -> str:
    """The word for `code` in table `kind`, or the code itself when the table does not know it."""
    entry = TABLES[kind].get(code)
    return str(entry) if entry is not None else str(code)
