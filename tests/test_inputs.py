"""The input types of api/inputs.py accept exactly what their OpenAPI schema says: a value the
schema allows is never refused, one it refuses never passes."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from api.applications.schemas import Yuan as ApplicationYuan
from api.experts.schemas import MaxScore, Weight
from api.followup.schemas import Day, PremiumRate, SubsidyShare
from api.followup.schemas import Yuan as FollowUpYuan
from api.inputs import WHITESPACE, BlankIsNone, IsoDate, IsoDateTime, Trimmed
from api.review.schemas import Score

DECIMALS: dict[str, Any] = {
    "application yuan": ApplicationYuan,
    "follow-up yuan": FollowUpYuan,
    "premium rate": PremiumRate,
    "subsidy share": SubsidyShare,
    "score": Score,
    "max score": MaxScore,
    "weight": Weight,
}

WHOLES = ["0", "00", "1", "3", "9", "10", "99", "100", "101", "999", "1000", "1001", "9999"]
WHOLES += ["0001000", "99999999999999", "100000000000000", "000099999999999999"]
FRACTIONS = ["", ".0", ".00", ".000", ".0000000", ".1", ".01", ".001", ".0001", ".00001"]
FRACTIONS += [".000001", ".5", ".50", ".500", ".25", ".03", ".030", ".0300", ".031", ".02999"]
FRACTIONS += [".029999", ".3", ".99", ".999", ".9999", ".99999"]
NOT_NUMERALS = [" 1", "1 ", "1e2", "+1", "-0", "1.", ".5", "1_0", "\u0661", "NaN", "0x1", ""]


def accepts(annotated: Any, value: object, *, json: bool = False) -> bool:
    adapter = TypeAdapter(annotated)
    try:
        if json:
            adapter.validate_json(value)  # type: ignore[arg-type]
        else:
            adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def string_pattern(annotated: Any) -> re.Pattern[str]:
    schema = TypeAdapter(annotated).json_schema()
    (string,) = [s for s in schema.get("anyOf", [schema]) if s.get("type") == "string"]
    return re.compile(string["pattern"])


# --- decimals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DECIMALS)
def test_decimal_pattern_is_the_validation(name: str) -> None:
    annotated = DECIMALS[name]
    pattern = string_pattern(annotated)
    candidates = [w + f for w, f in itertools.product(WHOLES, FRACTIONS)] + NOT_NUMERALS
    disagree = [v for v in candidates if bool(pattern.search(v)) != accepts(annotated, v)]
    assert not disagree, disagree
    assert any(pattern.search(value) for value in candidates)


@pytest.mark.parametrize("name", DECIMALS)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_decimal_pattern_is_the_validation_for_any_numeral(name: str, data: st.DataObject) -> None:
    annotated = DECIMALS[name]
    pattern = string_pattern(annotated)
    matching = data.draw(st.from_regex(pattern.pattern.strip("^$"), fullmatch=True))
    assert accepts(annotated, matching), matching
    numeral = data.draw(st.from_regex(r"[0-9]{1,18}(\.[0-9]{1,8})?", fullmatch=True))
    assert bool(pattern.search(numeral)) == accepts(annotated, numeral), numeral


def test_a_decimal_is_documented_as_number_or_string() -> None:
    schema = TypeAdapter(PremiumRate).json_schema()
    number, _ = schema["anyOf"]
    assert number == {"type": "number", "exclusiveMinimum": 0, "maximum": 0.03, "multipleOf": 1e-05}
    assert accepts(PremiumRate, "0.025", json=True)
    assert accepts(PremiumRate, '"0.025"', json=True)
    assert not accepts(PremiumRate, 0.031)
    assert not accepts(PremiumRate, 0.000001)


def test_going_over_a_cap_keeps_its_own_code() -> None:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(PremiumRate).validate_python("0.031")
    assert refused.value.errors()[0]["type"] == "premium_rate_over_cap"
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(DECIMALS["application yuan"]).validate_python("-5")
    assert refused.value.errors()[0]["type"] == "greater_than_equal"


# --- trimmed text -------------------------------------------------------------------------------

TEXTS: dict[str, Any] = {
    "1..5": Annotated[str, Trimmed(1, 5)],
    "3..6": Annotated[str, Trimmed(3, 6)],
    "0..4": Annotated[str, Trimmed(0, 4)],
}
ALPHABET = ["a", "中", " ", "\t", "\n", "\u3000", "\u00a0", "\x1c", "\ufeff", "\u2028"]


def text_schema_allows(annotated: Any, value: str) -> bool:
    schema = TypeAdapter(annotated).json_schema()
    pattern = schema.get("pattern")
    return schema.get("minLength", 0) <= len(value) <= schema["maxLength"] and (
        pattern is None or re.search(pattern, value) is not None
    )


@pytest.mark.parametrize("name", TEXTS)
def test_trimmed_schema_is_the_validation(name: str) -> None:
    annotated = TEXTS[name]
    disagree = [
        value
        for size in range(8)
        for value in map("".join, itertools.product(ALPHABET[:5], repeat=min(size, 4)))
        if text_schema_allows(annotated, value) != accepts(annotated, value)
    ]
    assert not disagree, disagree


@pytest.mark.parametrize("name", TEXTS)
@settings(max_examples=300, deadline=None)
@given(value=st.text(st.sampled_from(ALPHABET), max_size=9))
def test_trimmed_schema_is_the_validation_for_any_text(name: str, value: str) -> None:
    annotated = TEXTS[name]
    assert text_schema_allows(annotated, value) == accepts(annotated, value), repr(value)


def test_trimmed_text_is_trimmed() -> None:
    assert TypeAdapter(TEXTS["1..5"]).validate_python(" \u3000ab\n") == "ab"
    assert WHITESPACE.strip() == ""


def test_a_blank_optional_text_means_none() -> None:
    annotated = Annotated[Annotated[str, Trimmed(1, 5)] | None, BlankIsNone()]
    adapter = TypeAdapter(annotated)
    assert adapter.validate_python(" \t ") is None
    assert adapter.validate_python(" " * 50) is None
    assert adapter.validate_python(" ab ") == "ab"
    blank = TypeAdapter(annotated).json_schema()["anyOf"][-1]
    assert re.search(blank["pattern"], " " * 50)
    assert not re.search(blank["pattern"], " a ")


# --- dates and times ----------------------------------------------------------------------------


def test_dates_are_iso_strings_only() -> None:
    assert TypeAdapter(IsoDate).validate_python("2024-05-31") == date(2024, 5, 31)
    assert TypeAdapter(IsoDate).validate_python(date(2024, 5, 31)) == date(2024, 5, 31)
    for value in ("0", "1700000000", "2024-05-31T00:00:00Z", " 2024-05-31"):
        assert not accepts(IsoDate, value), value
    for raw in ("0", "1700000000", "true"):
        assert not accepts(IsoDate, raw, json=True), raw
    assert TypeAdapter(IsoDate).json_schema() == {"type": "string", "format": "date"}


def test_a_date_range_is_stated() -> None:
    pattern = TypeAdapter(Day).json_schema()["pattern"]
    for year in range(1000, 3000):
        value = f"{year:04d}-06-30"
        assert bool(re.search(pattern, value)) == accepts(Day, value), value


def test_date_times_carry_their_offset() -> None:
    moment = TypeAdapter(IsoDateTime).validate_python("2024-05-31T09:30:00+08:00")
    assert moment == datetime.fromisoformat("2024-05-31T09:30:00+08:00")
    for value in ("2024-05-31T09:30:00.5Z", "2024-05-31t09:30:00z"):
        assert accepts(IsoDateTime, value), value
    for value in ("0", "1700000000", "2024-05-31", "2024-05-31T09:30:00", "2024-05-31 09:30:00Z"):
        assert not accepts(IsoDateTime, value), value
    assert not accepts(IsoDateTime, "1700000000", json=True)
    assert TypeAdapter(IsoDateTime).json_schema() == {"type": "string", "format": "date-time"}
