"""Writes core/common_trigrams.py: the trigrams found in the most reports of
tests/translation/data/ (labelled short reports in some 60 languages), which the MinHash
band keys of `core.trigrams` leave out.

    .venv/bin/python scripts/common_trigrams.py > core/common_trigrams.py

Run it only together with recomputing every stored key (see `core.trigrams`): a new list
gives new keys.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.trigrams import trigrams  # noqa: E402

COUNT = 300
DATA = ROOT / "tests" / "translation" / "data"


def main() -> None:
    found: Counter[str] = Counter()
    for name in ("reports.jsonl", "hard_reports.jsonl"):
        for line in (DATA / name).read_text("utf-8").splitlines():
            found.update(trigrams(json.loads(line)["text"]))
    # by how many reports have it, then alphabetically, so the list is reproducible
    common = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:COUNT]
    print('"""The trigrams in the most reports of tests/translation/data/ (labelled short')
    print("reports in some 60 languages), left out of the band keys of `core.trigrams`.")
    print("Written by scripts/common_trigrams.py; never edit by hand.")
    print('"""')
    print()
    print("COMMON_TRIGRAMS = (")
    for gram, _ in common:
        print(f'    "{gram}",')
    print(")")


if __name__ == "__main__":
    main()
