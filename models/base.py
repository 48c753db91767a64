"""What every table shares: a naming convention (stable migrations) and a UTC timestamp type."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC in Python on every backend; SQLite stores it naive, PostgreSQL as timestamptz."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use core.clock.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def partial_index(name: str, *columns: Any, where: str, unique: bool = False) -> sa.Index:
    """An index of the rows `where` holds for, on PostgreSQL and SQLite alike (both take
    the condition; a query must state it with the same literals to be answered by it)."""
    condition = sa.text(where)
    return sa.Index(
        name, *columns, unique=unique, postgresql_where=condition, sqlite_where=condition
    )


def one_of(column: str, values: list[str]) -> str:
    """SQL text of a CHECK that a string column holds one of a StrEnum's values."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


E = TypeVar("E", bound=StrEnum)


class EnumText(sa.TypeDecorator[E]):
    """A StrEnum stored as plain text (no database enum type to migrate), read back as the enum."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: sa.Dialect) -> Any:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Any:
        return None if value is None else self.enum(value)
