"""Unified social credit code (统一社会信用代码, GB 32100-2015) validation."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return "A unified social credit code has 18 characters."
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return "Characters not allowed in a unified social credit code: " + "".join(bad)
    if not code[2:8].isdigit():
        return "Characters 3–8 (administrative division code) must be digits."
    if check_character(code[:17]) != code[17]:
        return "The check character does not match; please re-check the code."
    return None


def normalise_uscc(code: str) -> str:
    return code.strip().upper()
