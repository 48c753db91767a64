"""A rate such as `10/minute`, and the text form the settings use."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    """At most `count` requests per `period` seconds (after a burst of `count`)."""

    count: int
    period: float

    @property
    def interval(self) -> float:
        """Seconds until a spent request is earned back."""
        return self.period / self.count

    @classmethod
    def parse_many(cls, spec: str) -> tuple[Rate, ...]:
        """`"10/minute, 60/hour"` (also `5/10minutes`); a typo is a start-up error."""
        rates = []
        for part in spec.split(","):
            match = _RATE.match(part)
            if not match or int(match[1]) < 1:
                raise ValueError(f"not a rate like '10/minute': {part.strip()!r} in {spec!r}")
            multiple = int(match[2]) if match[2] else 1
            rates.append(cls(int(match[1]), float(multiple * _PERIODS[match[3]])))
        return tuple(rates)
