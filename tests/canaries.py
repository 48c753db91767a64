"""What must never appear in a log: report texts, precise coordinates, client addresses and
user agents that the tests send. `make test` logs every test's records (through the
server's own formatter, at the server's level) into var/test-logs/; CI then runs
`python -m tests.canaries var/test-logs` and fails if any of these is found there.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.factories import DEFAULT_REPORT_TEXT

CANARIES = [
    DEFAULT_REPORT_TEXT,
    "Nos quitaron los pasaportes",  # the console tests' Spanish report
    "A boy is made to beg at the station",
    "taking a girl across the border tonight",
    # precise coordinates the tests submit (stored coarsened; never logged)
    "14.599512",
    "120.984219",
    "19.432608",
    "-99.133209",
    "48.858372",
    # client addresses and a phone's user agent the tests connect with
    "127.0.0.77",
    "203.0.113.9",
    "198.51.100.4",
    "device-4f2a9c",
]


def found_in(folder: Path) -> list[str]:
    """`file: canary` for each canary found in a log file of `folder`."""
    hits = []
    for path in sorted(folder.glob("*.log")):
        text = path.read_text(errors="replace")
        hits += [f"{path.name}: {canary!r}" for canary in CANARIES if canary in text]
    return hits


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "var/test-logs")
    logs = list(folder.glob("*.log"))
    if not logs:
        print(f"no test logs in {folder}: run the test suite first", file=sys.stderr)
        return 2
    hits = found_in(folder)
    for hit in hits:
        print(f"report data in the test logs: {hit}", file=sys.stderr)
    size = sum(path.stat().st_size for path in logs)
    print(f"checked {len(logs)} test logs ({size // 1024} KiB): {len(hits)} findings")
    return 1 if hits else 0


if __name__ == "__main__":
    raise SystemExit(main())
