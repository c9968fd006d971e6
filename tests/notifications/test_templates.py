"""Every kind renders in both languages, with every placeholder filled."""

from __future__ import annotations

import string

import pytest

from api.notifications import templates
from api.notifications.kinds import SPECS, Kind

SAMPLE = {
    "application_id": "00000000-0000-0000-0000-000000000001",
    "product_zh": "五轴联动数控机床",
    "product_en": "Five-axis CNC machine",
    "organization_zh": "北京精工机床有限公司",
    "organization_en": "Beijing Precision Machine Tools",
    "reason": "材料不全",
    "deadline": "2031-03-14",
    "decision": "awarded",
    "number": "BJSTT-2031-01-0001",
    "valid_until": "2034-03-14",
    "reference": "YY-2031-01-0001",
    "outcome": "upheld",
    "resolution": "经核查属实",
    "url": "https://receiver.example.cn/hook",
}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_kind_has_both_languages_and_a_spec() -> None:
    assert set(templates.TEMPLATES) == set(Kind) == set(SPECS)
    for by_locale in templates.TEMPLATES.values():
        assert set(by_locale) == set(templates.LOCALES)


@pytest.mark.parametrize("locale", templates.LOCALES)
@pytest.mark.parametrize("kind", list(Kind))
def test_renders_with_no_placeholder_left(kind: Kind, locale: str) -> None:
    template = templates.TEMPLATES[kind][locale]
    # The placeholders of a kind are the same in both languages.
    other = templates.TEMPLATES[kind][templates.EN if locale == templates.ZH else templates.ZH]
    assert _placeholders(template.line) == _placeholders(other.line)
    assert set(template.suffixes) == set(other.suffixes)
    rendered = templates.render(kind, locale, "张明", [SAMPLE, SAMPLE], "https://x.cn/p")
    for text in (rendered.subject, rendered.body, rendered.text):
        assert "{" not in text
        assert "}" not in text
        assert templates.MISSING[locale] not in text
    assert rendered.text.count("\n- ") == 2
    assert "https://x.cn/p" in rendered.text
    assert ("您好" in rendered.text) is (locale == templates.ZH)
    product = "Five-axis CNC machine" if locale == templates.EN else "五轴联动数控机床"
    if "product" in _placeholders(template.line):
        assert product in rendered.body


def test_a_missing_value_shows_as_not_given() -> None:
    rendered = templates.render(
        Kind.application_returned, "en", None, [{"product_zh": "机床"}], "https://x.cn"
    )
    assert "机床 — reason: (not given); resubmit by (not given)" in rendered.body
    assert rendered.text.startswith("Hello,")


def test_a_reason_ending_in_a_full_stop_is_not_punctuated_twice() -> None:
    item = {"product_zh": "机床", "reason": "请补充第三方检测报告。", "deadline": "2031-03-14"}
    rendered = templates.render(Kind.application_returned, "zh-CN", "张明", [item], "https://x.cn")
    assert "意见：请补充第三方检测报告；重新提交截止日期" in rendered.body
    assert "。；" not in rendered.body
