"""Text similarity of petitions: Chinese words (jieba with domain words) weighted by IDF, compared by cosine;
the words every complaint uses say nothing about the matter and are left out."""
from __future__ import annotations

import pytest

from workflows.rules.similarity import (
    STOPWORDS,
    cosine,
    matter_text,
    terms,
    text_similarity,
)

RESTAURANT = "餐厅油烟直排，夜间风机噪声扰民。"
AGAIN = "再次反映：餐厅后厨油烟未经净化直排，晚上风机噪声很大扰民。"
RIVER = "小区旁边河道发黑发臭，怀疑上游印染厂偷排废水。"


def test_domain_words_are_kept_whole():
    assert set(terms("渣土车偷倒建筑垃圾，扬尘严重")) >= {"渣土车", "偷倒", "扬尘"}
    assert {"油烟", "直排"} <= set(terms(RESTAURANT))


def test_punctuation_short_numbers_and_stopwords_are_left_out():
    found = terms("信访人反映：餐厅油烟直排！12号楼 2026")
    assert "信访人" not in found and "反映" not in found
    assert "12" not in found and "2026" in found
    assert not any(word in "：！，。" for word in found)
    assert terms("要求尽快处理相关问题") == {}
    assert {"投诉", "要求", "问题"} <= STOPWORDS


def test_terms_count_repeated_words():
    assert terms("油烟油烟油烟")["油烟"] == 3


def test_a_text_is_identical_to_itself_and_unrelated_to_another_matter():
    assert text_similarity(RESTAURANT, RESTAURANT) == pytest.approx(1.0)
    assert text_similarity(RESTAURANT, RIVER) == 0.0


def test_a_near_duplicate_is_close_and_the_measure_is_symmetric():
    score = text_similarity(RESTAURANT, AGAIN)
    assert 0.6 < score < 1.0
    assert text_similarity(AGAIN, RESTAURANT) == pytest.approx(score)


@pytest.mark.parametrize("a, b", [("", ""), ("", RESTAURANT), ("要求尽快处理", RESTAURANT)])
def test_a_text_without_telling_words_is_similar_to_nothing(a, b):
    assert text_similarity(a, b) == 0.0


def test_cosine_of_weight_vectors():
    assert cosine({"a": 1.0}, {"a": 2.0}) == pytest.approx(1.0)
    assert cosine({"a": 1.0, "b": 1.0}, {"b": 1.0, "c": 1.0}) == pytest.approx(0.5)
    assert cosine({}, {"a": 1.0}) == 0.0
    assert cosine({"a": 0.0}, {"a": 0.0}) == 0.0


def test_the_matter_is_the_facts_and_the_demands_either_may_be_missing():
    assert matter_text("油烟直排", "安装净化器") == "油烟直排\n安装净化器"
    assert matter_text(None, "安装净化器") == "\n安装净化器"
    assert matter_text("油烟直排", None) == "油烟直排\n"
