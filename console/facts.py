"""The incident's categorical facts as the console groups and words them.

One list of groups serves the approval (and correction) form, the reading of that form
back into `IncidentFieldsIn` data, and the compact view of a pending or published
incident, so a group can never be asked for in one place and forgotten in another.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from console.wording import vocabulary_words
from hub.facts import TriState
from models.vocabulary import (
    AgeBand,
    ControlMethod,
    ExploitationType,
    ForcedLabourIndustry,
    Gender,
    Indicator,
    RecruiterRelationship,
    RecruitmentMethod,
    SexualExploitationType,
    WebsiteOrApp,
)

#: Groups longer than this are folded in a `<details>` unless something in them is stated.
FOLD_OVER = 11


@dataclass(frozen=True)
class FactGroup:
    """A tri-state map of `IncidentFieldsIn` (its field `name`) with its legend."""

    name: str
    legend: str
    vocabulary: type[StrEnum]

    @property
    def folded(self) -> bool:
        return len(self.vocabulary) > FOLD_OVER

    def field(self, value: str) -> str:
        """The form's field for one value: `exploitation_types.ForcedLabour`."""
        return f"{self.name}.{value}"

    def stated(self, values: Mapping[str, Any]) -> int:
        """How many of the group's values a form's `values` answer yes or no."""
        not_reported = TriState.NOT_REPORTED.value
        return sum(
            values.get(self.field(member.value), not_reported) != not_reported
            for member in self.vocabulary
        )

    def has_error(self, errors: Mapping[str, str]) -> bool:
        return any(name.partition(".")[0] == self.name for name in errors)


FACT_GROUPS: tuple[FactGroup, ...] = (
    FactGroup("exploitation_types", "Types of exploitation", ExploitationType),
    FactGroup(
        "forced_labour_industries",
        "Forced labour: industry (ISIC sections)",
        ForcedLabourIndustry,
    ),
    FactGroup(
        "sexual_exploitation_types", "Sexual exploitation: which kind", SexualExploitationType
    ),
    FactGroup("control_methods", "Methods of control", ControlMethod),
    FactGroup("recruitment_methods", "How people were recruited", RecruitmentMethod),
    FactGroup("recruitment_websites_and_apps", "Websites and apps used to recruit", WebsiteOrApp),
    FactGroup("exploitation_websites_and_apps", "Websites and apps used to exploit", WebsiteOrApp),
    FactGroup("recruiter_relationships", "Relationship to the recruiter", RecruiterRelationship),
    FactGroup("genders", "Gender of the people affected", Gender),
    FactGroup("age_bands", "Ages of the people affected (CTDC bands, years)", AgeBand),
    FactGroup("indicators", "Indicators seen", Indicator),
)
GROUPS_BY_NAME = {group.name: group for group in FACT_GROUPS}

#: The three answers, in the order the form offers them.
STATES: tuple[tuple[str, str], ...] = (
    (TriState.YES.value, "Yes"),
    (TriState.NO.value, "No"),
    (TriState.NOT_REPORTED.value, "Not reported"),
)

# Names the generic wording would spoil: brands keep their spelling, HTCDS's misspelt
# "Unaquainted" is shown correctly (the stored value keeps HTCDS's spelling).
_WORDS = {
    "Unaquainted": "Unacquainted",
    "TransTransgenderNonConforming": "Trans, transgender or gender non-conforming",
    "FacebookMessenger": "Facebook Messenger",
    "SnapChat": "Snapchat",
    "ForcedMilitaryByNonStateActors": "Forced military service by non-state actors",
}
_ISIC = re.compile(r"^([A-U])_(.+)$")


def fact_words(group: FactGroup, value: str) -> str:
    """A vocabulary value in words: `C_Manufacturing` → `C: Manufacturing`."""
    if value in _WORDS:
        return _WORDS[value]
    if group.vocabulary is WebsiteOrApp or group.vocabulary is AgeBand:
        return value
    section = _ISIC.match(value)
    if section:
        return f"{section[1]}: {vocabulary_words(section[2])}"
    return vocabulary_words(value)


_FIELD_WORDS = {
    "": "The form",
    "summary": "Summary",
    "trafficking_status": "Trafficking status",
    "confidence": "Confidence",
    "people_affected": "People affected",
    "citizenships": "Citizenship",
    "events": "Events",
    "shared_media": "Media to share",
    "reason": "Reason",
    "category": "Category",
}


def field_label(name: str) -> str:
    """A form field's name in words, for the list of errors at the top of a form:
    `events.1.date_from` → `Event 2, date from`."""
    head, _, rest = name.partition(".")
    if head == "events" and rest:
        slot, _, inner = rest.partition(".")
        label = f"Event {int(slot) + 1}" if slot.isdigit() else "Event"
        return f"{label}, {inner.replace('_', ' ')}" if inner else label
    if head in GROUPS_BY_NAME:
        group = GROUPS_BY_NAME[head]
        return f"{group.legend}: {fact_words(group, rest)}" if rest else group.legend
    return _FIELD_WORDS.get(name, name.replace("_", " ").capitalize())
