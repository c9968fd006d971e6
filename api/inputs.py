"""Request input types whose OpenAPI schema states every rule their validation applies.

Pydantic's defaults leave gaps a client that follows the schema falls into, or slips through:
- a bounded `Decimal` is documented as "a number, or any string", without its places or digits;
- `strip_whitespace` checks the lengths after trimming, the schema states them before it;
- a date or a date-time also takes a number (a Unix time), and a date-time a date alone;
- an optional text that reads a blank string as none documents only the non-blank ones.

Each type here closes one gap, as `Annotated` metadata: `DecimalInput`, `Trimmed`, `DateInput`,
`DateTimeInput` and `BlankIsNone`. tests/test_inputs.py holds the patterns to their rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# --- decimals -----------------------------------------------------------------------------------

_NUMERAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_KEYWORDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


def _plain_numeral(value: object, handler: core_schema.ValidatorFunctionWrapHandler) -> Decimal:
    # Decimal also reads " 1", "+1", "-0", "1_0", "1e3" and non-ASCII digits, which the pattern
    # does not allow; what Decimal refuses keeps its own error (greater_than, finite_number…).
    result: Decimal = handler(value)
    if isinstance(value, str) and not _NUMERAL.fullmatch(value):
        raise PydanticCustomError(
            "decimal_parsing", "Input should be a decimal number such as 12.5, without exponent."
        )
    return result


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class DecimalInput:
    """`Annotated[Decimal, DecimalInput(...)]`: at most `places` decimals within the bounds, as a
    JSON number (documented with its bounds and `multipleOf`) or as a plain numeral string
    (ASCII digits, optionally a point and more digits) matching `pattern`.

    `pattern` must accept exactly the numerals the bounds and places allow, with leading zeros
    and trailing zeros after the point, as a number has them: 0012.50 is 12.5. `max_digits`,
    when given, must follow from the bounds (it only names the error); `over_le` is the code and
    message of going over `le`, when that needs a code of its own."""

    places: int
    pattern: str
    ge: str | None = None
    gt: str | None = None
    le: str | None = None
    lt: str | None = None
    max_digits: int | None = None
    over_le: tuple[str, str] | None = None

    def _bounds(self) -> dict[str, Decimal]:
        named = {"ge": self.ge, "gt": self.gt, "le": self.le, "lt": self.lt}
        return {name: Decimal(value) for name, value in named.items() if value is not None}

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        bounds = self._bounds()
        limit = bounds.pop("le") if self.over_le is not None else None
        schema = core_schema.no_info_wrap_validator_function(
            _plain_numeral,
            core_schema.decimal_schema(
                max_digits=self.max_digits,
                decimal_places=self.places,
                allow_inf_nan=False,
                ge=bounds.get("ge"),
                gt=bounds.get("gt"),
                le=bounds.get("le"),
                lt=bounds.get("lt"),
            ),
        )
        if limit is None or self.over_le is None:
            return schema
        code, message = self.over_le

        def at_most(value: Decimal) -> Decimal:
            if value > limit:
                raise PydanticCustomError(code, message)
            return value

        return core_schema.no_info_after_validator_function(at_most, schema)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if handler.mode != "validation":
            return {"type": "string"}
        number: dict[str, Any] = {"type": "number"}
        for name, value in self._bounds().items():
            number[_KEYWORDS[name]] = _json_number(value)
        number["multipleOf"] = _json_number(Decimal(1).scaleb(-self.places))
        return {"anyOf": [number, {"type": "string", "pattern": self.pattern}]}


# --- trimmed text -------------------------------------------------------------------------------

# Unicode White_Space, what is trimmed: spelled out, as `\s` means three different sets to Python,
# to ECMAScript (the schema's regex dialect) and to Rust.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WS_CLASS = r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# A text made of whitespace only (or empty), which optional texts read as none.
BLANK_PATTERN = f"^[{_WS_CLASS}]*$"


def _visible_pattern(min_length: int) -> str:
    """A string whose trimmed form has at least `min_length` (≥ 1) characters."""
    visible = f"[^{_WS_CLASS}]"
    if min_length == 1:
        return visible
    return f"{visible}[\\s\\S]{{{min_length - 2},}}{visible}"


@dataclass(frozen=True)
class Trimmed:
    """`Annotated[str, Trimmed(min_length, max_length)]`: at most `max_length` characters as
    sent, at least `min_length` once leading and trailing whitespace is trimmed; the value is the
    trimmed text. (`StringConstraints(strip_whitespace=True)` checks both lengths after trimming,
    while the schema can only state them of the text as sent.)"""

    min_length: int
    max_length: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        min_length = self.min_length

        def trim(value: str) -> str:
            value = value.strip(WHITESPACE)
            if len(value) < min_length:
                raise PydanticCustomError(
                    "string_too_short",
                    "String should have at least {min_length} characters",
                    {"min_length": min_length},
                )
            return value

        return core_schema.no_info_after_validator_function(
            trim, core_schema.str_schema(max_length=self.max_length)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            json_schema["minLength"] = self.min_length
            json_schema["pattern"] = _visible_pattern(self.min_length)
        return json_schema


# --- dates and times ----------------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339 `date-time`, as the schema's `format` says: a time of day and an offset.
_ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _iso_check(
    shape: re.Pattern[str], kind: str, example: str
) -> core_schema.NoInfoWrapValidatorFunction:
    def check(value: object, handler: core_schema.ValidatorFunctionWrapHandler) -> object:
        # What pydantic refuses keeps its own error; a number (read as a Unix time) or another
        # spelling it reads (a date alone for a date-time, "2024-01-01 10:00") is refused here.
        result = handler(value)
        if isinstance(value, str) and shape.fullmatch(value):
            return result
        if isinstance(value, date):  # from Python callers
            return result
        if isinstance(value, str):
            raise PydanticCustomError(f"{kind}_parsing", f"Input should be {example}.")
        raise PydanticCustomError(f"{kind}_type", f"Input should be a string: {example}.")

    return check


@dataclass(frozen=True)
class DateInput:
    """`Annotated[date, …, DateInput()]`: an ISO date string, `YYYY-MM-DD`. `pattern`, when
    given, must state the bounds the annotations before it set (a year range, say)."""

    pattern: str | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        check = _iso_check(_ISO_DATE, "date", "a date such as 2024-05-31")
        return core_schema.no_info_wrap_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if self.pattern is not None and handler.mode == "validation":
            json_schema = {**handler.resolve_ref_schema(json_schema), "pattern": self.pattern}
        return json_schema


@dataclass(frozen=True)
class DateTimeInput:
    """`Annotated[datetime, DateTimeInput()]`: an RFC 3339 date-time string with its offset,
    `2024-05-31T09:30:00+08:00`."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        check = _iso_check(
            _ISO_DATE_TIME, "datetime", "a date-time with its offset, such as 2024-05-31T09:30:00Z"
        )
        return core_schema.no_info_wrap_validator_function(check, handler(source))


IsoDate = Annotated[date, DateInput()]
IsoDateTime = Annotated[datetime, DateTimeInput()]


# --- optional texts ----------------------------------------------------------------------------


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip(WHITESPACE):
        return None
    return value


@dataclass(frozen=True)
class BlankIsNone:
    """`Annotated[Text | None, BlankIsNone()]`: an empty or whitespace-only text, as an optional
    form field left empty sends it, means none."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(_blank_to_none, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if handler.mode != "validation":
            return json_schema
        blank = {"type": "string", "pattern": BLANK_PATTERN}
        if "anyOf" in json_schema:
            return {**json_schema, "anyOf": [*json_schema["anyOf"], blank]}
        return {"anyOf": [json_schema, blank]}
