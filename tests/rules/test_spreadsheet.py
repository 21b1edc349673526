"""Text that a spreadsheet would run as a formula is neutralised before it is exported."""
from __future__ import annotations

import pytest

from workflows.rules.spreadsheet import looks_like_formula, neutralise_cell


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert looks_like_formula(text)
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["杭州某某餐饮有限公司", "a=b", "", None, 3, -3, 2.5])
def test_other_values_are_left_as_they_are(value):
    assert not looks_like_formula(value)
    assert neutralise_cell(value) == value
