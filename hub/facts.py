"""Tri-state facts: yes, no, or not reported, for every value of a vocabulary.

CTDC's rule is that absent means "not reported", never "no"; a list of the values that
apply cannot say which of the others are "no". So each categorical fact leaves as an
object with every value of its vocabulary as a key: nothing is left for a reader to guess,
and the published JSON Schema requires every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema


class TriState(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_REPORTED = "not_reported"


def complete(vocabulary: type[StrEnum], known: dict[Any, TriState]) -> dict[str, str]:
    """Every value of the vocabulary, in its order, with what is known of it."""
    return {member.value: known.get(member, TriState.NOT_REPORTED).value for member in vocabulary}


def said_yes(facts: dict[str, str]) -> list[str]:
    """The values answered "yes", in vocabulary order."""
    return [value for value, state in facts.items() if state == TriState.YES]


@dataclass(frozen=True)
class FactsOf:
    """`Annotated[dict[str, TriState], FactsOf(Vocabulary)]`: a published fact group, valid
    only with every value of the vocabulary as a key, and published as such in the JSON
    Schema (each key required, no other key allowed)."""

    vocabulary: type[StrEnum]

    def _every_key(self, facts: dict[str, TriState]) -> dict[str, TriState]:
        expected = [member.value for member in self.vocabulary]
        if sorted(facts) != sorted(expected):
            raise ValueError(f"needs exactly the keys of {self.vocabulary.__name__}")
        return facts

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._every_key, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        states = {"enum": [state.value for state in TriState]}
        values = [member.value for member in self.vocabulary]
        return {
            "type": "object",
            "description": f"{(self.vocabulary.__doc__ or '').strip()} Every value is a key.",
            "properties": {value: states for value in values},
            "required": values,
            "additionalProperties": False,
        }
