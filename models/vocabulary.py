"""Controlled vocabularies from the field's own data standard, HTCDS 2.0 (the Human
Trafficking Case Data Standard).

Reports and incidents speak HTCDS 2.0 so the hub can pool them with other organisations'
case data without a mapping table.
"""

from __future__ import annotations

from enum import StrEnum


class ExploitationType(StrEnum):
    """HTCDS 2.0 `vic_TypeOfExploitation` picklist values."""

    FORCED_LABOUR = "ForcedLabour"
    SEXUAL_EXPLOITATION = "SexualExploitation"
    CHILD_LABOUR = "ChildLabour"
    FORCED_MARRIAGE = "ForcedMarriage"
    SERVITUDE = "Servitude"
    FORCED_MILITARY_BY_NON_STATE_ACTORS = "ForcedMilitaryByNonStateActors"
    ORGAN_REMOVAL = "OrganRemoval"
    FORCED_BEGGING = "ForcedBegging"
    FORCED_ADOPTION = "ForcedAdoption"
    SURROGACY = "Surrogacy"
    OTHER = "Other"


class TraffickingEventType(StrEnum):
    """HTCDS 2.0 `hte_Type`: which stage of trafficking the reported event belongs to."""

    RECRUITMENT = "Recruitment"
    TRANSIT = "Transit"
    EXPLOITATION = "Exploitation"
