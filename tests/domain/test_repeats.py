"""Repeat petitions (重复信访): earlier cases of the same petitioner, or of the same reported party when the
petitioner is anonymous, on substantially the same matter, found by Chinese word similarity."""
from __future__ import annotations

import copy
import math
from collections import Counter

import pytest
import sqlalchemy as sa

from engine.errors import FieldError, InvalidData, NotAllowed, NotFound
from workflows.intake.registration import register_case
from workflows.intake.repeats import (
    confirm_link,
    find_repeats,
    propose_links,
    reject_link,
)
from workflows.models import Case, CaseLink
from workflows.rules.identity import normalise_party
from workflows.rules.similarity import text_similarity

PETITIONER = {"name": "张三", "phone": "13800000000", "id_number": "330106199001011234",
              "address": "杭州市西湖区文三路1号", "anonymous": False, "group_size": 1}
FORM = {
    "channel": "12369",
    "received_at": "2026-02-10T09:00:00+08:00",
    "petitioner": PETITIONER,
    "reported_party": "杭州某某餐饮有限公司",
    "reported_address": "杭州市西湖区文三路99号",
    "division_code": "330106",
    "pollution_types": ["air", "noise"],
    "petition_class": "report",
    "facts": "餐厅油烟直排，夜间风机噪声扰民。",
    "demands": "安装油烟净化设施，夜间停开风机。",
}
NEAR_DUPLICATE = {"facts": "再次反映：餐厅后厨油烟未经净化直排，晚上风机噪声很大扰民。",
                  "demands": "要求安装油烟净化器，夜间停开风机。"}
UNRELATED = {"reported_party": "杭州某某印染厂", "pollution_types": ["water"],
             "facts": "小区旁边河道发黑发臭，怀疑上游印染厂偷排废水。", "demands": "查明排污来源，责令整改。"}


def form(**changes) -> dict:
    data = copy.deepcopy(FORM)
    data.update(changes)
    return data


@pytest.fixture
def registrar(make_actor):
    return make_actor("reg-wang", "registrar")


@pytest.fixture
def register(services, registrar):
    def register(**changes) -> Case:
        return register_case(services, registrar, form(**changes))
    return register


def propose(services, case: Case, registrar) -> list[CaseLink]:
    """Propose links for a registered case; returns every link the case has (registration may propose too)."""
    with services.db.unit_of_work() as tx:
        propose_links(tx, tx.get(Case, case.id), services.settings.repeat_detection, registrar,
                      services.clock.now())
    return links_of(services, case)


def links_of(services, case: Case) -> list[CaseLink]:
    with services.db.reader() as s:
        return list(s.scalars(sa.select(CaseLink).where(CaseLink.case_id == case.id).order_by(CaseLink.score.desc())))


def repeats(services, case: Case, threshold: float = 0.0, window_days: int = 365):
    with services.db.reader() as s:
        stored = s.get(Case, case.id)
        candidate = {"petitioner": {"name": stored.petitioner_name or "", "phone": stored.petitioner_phone or "",
                                    "id_number": stored.petitioner_id_number or "", "anonymous": stored.anonymous},
                     "reported_party": stored.reported_party, "facts": stored.facts, "demands": stored.demands,
                     "received_at": stored.received_at}
        return find_repeats(s, candidate, window_days, threshold, services.clock.now(), exclude_case_id=case.id)


def test_the_same_petitioner_on_the_same_matter_is_proposed_with_a_high_score(services, register, registrar):
    first = register()
    again = register(received_at="2026-02-28T10:00:00+08:00", **NEAR_DUPLICATE)
    [link] = propose(services, again, registrar)
    assert (link.linked_case_id, link.status, link.created_by) == (first.id, "proposed", "reg-wang")
    assert link.score >= 0.8
    assert "same_id_number" in link.reason.split("; ")
    assert any(r.startswith("similar_text:") for r in link.reason.split("; "))
    assert [row.id for row in propose(services, again, registrar)] == [link.id], "proposed once"


def test_a_petitioner_is_recognised_by_name_and_phone_without_an_id_number(services, register):
    first = register()
    again = register(petitioner=dict(PETITIONER, id_number="", phone="138-0000-0000"), **NEAR_DUPLICATE)
    [found] = repeats(services, again, threshold=0.5)
    assert found.case_id == first.id
    assert found.reasons[0] == "same_name_and_phone"


def test_an_anonymous_case_is_matched_by_its_reported_party(services, register, registrar):
    earlier = register(petitioner={"anonymous": True})
    register(petitioner={"anonymous": True}, reported_party="杭州另一家餐饮有限公司")
    anonymous = register(petitioner={"anonymous": True}, reported_party="杭州 某某餐饮公司", **NEAR_DUPLICATE)
    [link] = propose(services, anonymous, registrar)
    assert link.linked_case_id == earlier.id
    assert "anonymous_same_party" in link.reason.split("; ")
    assert normalise_party("杭州 某某餐饮公司") == normalise_party("杭州某某餐饮有限公司") == "杭州某某餐饮"


def test_a_named_case_is_not_matched_to_another_petitioners_case_by_the_reported_party(services, register):
    register()
    other = register(petitioner=dict(PETITIONER, name="李四", phone="13900000000", id_number=""), **NEAR_DUPLICATE)
    assert repeats(services, other) == []


def test_another_matter_of_the_same_petitioner_scores_lower_than_a_near_duplicate(services, register, registrar):
    same_matter = register()
    other_matter = register(**UNRELATED)
    again = register(received_at="2026-02-28T10:00:00+08:00", **NEAR_DUPLICATE)
    found = repeats(services, again)
    assert [c.case_id for c in found] == [same_matter.id, other_matter.id]
    assert found[0].score > 0.8 and found[1].score < 0.5
    assert [link.linked_case_id for link in propose(services, again, registrar)] == [same_matter.id], \
        "below the threshold nothing is proposed"


def test_cases_received_before_the_window_are_not_proposed(services, register, registrar):
    old = register(received_at="2025-01-20T09:00:00+08:00")
    again = register(**NEAR_DUPLICATE)
    assert propose(services, again, registrar) == []
    assert [c.case_id for c in repeats(services, again, window_days=400)] == [old.id]


def _character_cosine(a: str, b: str) -> float:
    ca, cb = Counter(c for c in a if c.isalnum()), Counter(c for c in b if c.isalnum())
    dot = sum(n * cb[c] for c, n in ca.items())
    return dot / math.sqrt(sum(n * n for n in ca.values()) * sum(n * n for n in cb.values()))


def test_similarity_compares_chinese_words_not_shared_characters(services, register):
    new = "工厂排放的废水污染了河水"
    same_characters = "水厂放水，河工排污"         # 水 厂 放 河 工 排 污: other words (水厂, 放水, 河工, 排污)
    same_words = "工厂废水污染严重"                # 工厂, 废水, 污染
    assert _character_cosine(new, same_characters) > _character_cosine(new, same_words)
    assert text_similarity(new, same_words) > 0.7 and text_similarity(new, same_characters) < 0.1

    characters_case = register(facts=same_characters, demands="")
    words_case = register(facts=same_words, demands="")
    again = register(facts=new, demands="")
    assert [c.case_id for c in repeats(services, again)] == [words_case.id, characters_case.id]


def test_a_link_named_at_registration_is_stored_confirmed_with_its_score(services, register, registrar):
    first = register()
    again = register(link_case_nos=[first.case_no, first.case_no], **NEAR_DUPLICATE)
    [link] = links_of(services, again)
    assert (link.linked_case_id, link.status) == (first.id, "confirmed")
    assert link.score >= 0.8 and link.reason.startswith("confirmed_by_registrar")
    assert [(row.id, row.status) for row in propose(services, again, registrar)] == [(link.id, "confirmed")], \
        "a confirmed pair is not proposed again"


def test_unknown_case_numbers_to_link_are_refused_by_field(services, register):
    register()
    with pytest.raises(InvalidData) as raised:
        register(link_case_nos=["330106-2026-09999"])
    assert set(raised.value.errors) == {"link_case_nos"}
    assert raised.value.errors["link_case_nos"] == FieldError("repeats.unknown_cases", {"cases": ["330106-2026-09999"]})
    with services.db.reader() as s:
        assert s.scalar(sa.select(sa.func.count(Case.id))) == 1, "nothing of the refused registration stored"


def test_a_registrar_confirms_or_rejects_a_proposed_link_of_a_case_they_see(services, register, registrar,
                                                                              make_actor):
    register()
    again = register(**NEAR_DUPLICATE)
    [link] = propose(services, again, registrar)
    elsewhere = make_actor("reg-yh", "registrar", "EEB-330110")
    handler = make_actor("han-li", "handler")
    with services.db.unit_of_work() as tx:
        assert reject_link(tx, link.id, registrar).status == "rejected"
    for actor in (elsewhere, handler):
        with pytest.raises(NotAllowed), services.db.unit_of_work() as tx:
            confirm_link(tx, link.id, actor)
    with services.db.unit_of_work() as tx:
        assert confirm_link(tx, link.id, make_actor("sup-hz", "supervisor", "EEB-330100")).status == "confirmed"
    with pytest.raises(NotFound), services.db.unit_of_work() as tx:
        confirm_link(tx, link.id + 100, registrar)
    assert [row.status for row in links_of(services, again)] == ["confirmed"]
