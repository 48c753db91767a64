"""Base for every input schema: strict about what it accepts, so nothing is stored blindly."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    model_validator,
)


def _no_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL, and no honest client sends one."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    if isinstance(value, dict):
        for item in value.values():
            _no_nul(item)
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


class StrictInput(BaseModel):
    """Unknown fields are rejected (422 naming the field), strings are trimmed, NUL refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        return _no_nul(data)


class QueryInput(StrictInput):
    """A list's filters and page, read from a query string or a GET form (the JSON API's
    parameters, the console's filter forms). Blank values mean "any", and unknown
    parameters are ignored, as they always were on the queue's route."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_any(cls, data: Any) -> Any:
        """An empty form field (or `?language=`) means no filter."""
        if not isinstance(data, dict):
            return data
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, list):
                value = [v for v in value if not (isinstance(v, str) and not v.strip())]
            elif isinstance(value, str) and not value.strip():
                continue
            cleaned[key] = value
        return cleaned


def _blank_to_none(value: str | None) -> str | None:
    return value or None


# Metadata for an optional text field where blank (after trimming) means absent:
# `Annotated[Annotated[str, Field(max_length=N)] | None, BLANK_IS_NONE]`.
BLANK_IS_NONE = AfterValidator(_blank_to_none)


# Dates outside these bounds are typing mistakes or probes; near year 1 or 9999 they also
# overflow when converted to UTC or stored, which must be a 422 and never a 500.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _plausible_moment(value: datetime) -> datetime:
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range (1900 to 2199)") from None
    if not EARLIEST <= in_utc < LATEST:
        raise ValueError("the time is out of range (1900 to 2199)")
    return in_utc


def _plausible_day(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("the date is out of range (1900 to 2199)")
    return value


_WRITTEN_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WRITTEN_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]")


def _written(pattern: re.Pattern[str], kind: type, form: str) -> BeforeValidator:
    """Only the documented form: pydantic would also read a number (or a string of digits)
    as a Unix time, and `0` or `1700000000` is not a day anyone wrote."""

    def check(value: Any) -> Any:
        if isinstance(value, kind) or (isinstance(value, str) and pattern.match(value)):
            return value
        raise ValueError(f"expected {form}")

    return BeforeValidator(check)


#: An RFC 3339 time with an offset, between 1900 and 2199, given back in UTC.
PlausibleDatetime = Annotated[
    AwareDatetime,
    _written(_WRITTEN_TIME, datetime, "an RFC 3339 time"),
    AfterValidator(_plausible_moment),
]
#: A calendar day between 1900 and 2199.
PlausibleDate = Annotated[
    date, _written(_WRITTEN_DAY, date, "a day as YYYY-MM-DD"), AfterValidator(_plausible_day)
]
