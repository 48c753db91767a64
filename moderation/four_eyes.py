"""Four eyes: which moderators' approvals wait for a lead before anything reaches the hub.

The policy (`STOP_FOUR_EYES`) names `all`, `urgent`, and/or HTCDS types of exploitation;
an approval by a moderator (not a lead or admin) whose report or incident matches waits
in `awaiting_lead` like a rare one (`moderation.confirmation`). An unknown word in the
setting stops the service at start-up: a typo must not silently let approvals through.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings
from hub.facts import TriState
from hub.fields import IncidentFieldsIn
from models.moderator import Moderator, ModeratorRole
from models.report import Report
from models.vocabulary import ExploitationType

ALL, URGENT = "all", "urgent"


class UnknownFourEyesRule(ValueError):
    """STOP_FOUR_EYES names something that is neither all, urgent nor a type."""


@dataclass(frozen=True)
class FourEyes:
    everything: bool
    urgent: bool
    types: frozenset[ExploitationType]

    @classmethod
    def from_settings(cls, settings: Settings) -> FourEyes:
        words = set(settings.four_eyes)
        known = {ALL, URGENT, *(kind.value for kind in ExploitationType)}
        if unknown := sorted(words - known):
            raise UnknownFourEyesRule(
                f"STOP_FOUR_EYES expects all, urgent or HTCDS types of exploitation, not {unknown}"
            )
        types = frozenset(ExploitationType(word) for word in words - {ALL, URGENT})
        return cls(ALL in words, URGENT in words, types)

    def applies(self, moderator: Moderator, report: Report, fields: IncidentFieldsIn) -> bool:
        """Must this approval wait for a lead?"""
        if moderator.role in (ModeratorRole.LEAD, ModeratorRole.ADMIN):
            return False
        said = {kind for kind, state in fields.exploitation_types.items() if state == TriState.YES}
        return self.everything or (self.urgent and report.urgent) or bool(self.types & said)
