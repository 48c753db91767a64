"""Base for every input schema: strict about what it accepts, so nothing is stored blindly."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


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


def _blank_to_none(value: str | None) -> str | None:
    return value or None


def optional_text(max_length: int) -> Any:
    """An optional bounded string where blank means absent."""
    return Annotated[
        Annotated[str, Field(max_length=max_length)] | None, AfterValidator(_blank_to_none)
    ]
