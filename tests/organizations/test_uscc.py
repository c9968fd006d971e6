from __future__ import annotations

import pytest

from api.organizations.uscc import CHARSET, check_character, uscc_problem


def test_published_codes_validate() -> None:
    # Codes published on the national credit information system (Xiaomi, Baidu).
    for code in ("91110108551385082Q", "91110000802100433B"):
        assert check_character(code[:17]) == code[17]
        assert uscc_problem(code) is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91110108551385082", "18 characters"),
        ("91110108551385082QX", "18 characters"),
        ("91110108551385082I", "not allowed"),  # I, O, S, V, Z are excluded
        ("91110108551385O82Q", "not allowed"),
        ("9111A108551385082Q", "must be digits"),
        ("91110108551385082R", "check character"),
    ],
)
def test_invalid_codes(code: str, reason: str) -> None:
    problem = uscc_problem(code)
    assert problem is not None
    assert reason in problem


def test_every_wrong_check_character_is_caught() -> None:
    body = "91110108551385082"
    right = check_character(body)
    wrong = [c for c in CHARSET if c != right]
    assert len(wrong) == 30
    assert all(uscc_problem(body + c) for c in wrong)
