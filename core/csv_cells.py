"""CSV that a spreadsheet opens safely: every export of the service (the audit trail, the
hub's incidents) writes its cells and rows through here.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula (CSV injection), so such a cell gets a leading `'`, which spreadsheets show
as plain text. Files start with a byte order mark so spreadsheets read UTF-8 accents right.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as a spreadsheet shows it: JSON for structures, and a leading `'` before
    anything a spreadsheet would take for a formula."""
    if value is None:
        text = ""
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_rows(rows: Iterable[Sequence[str]]) -> str:
    """Rows (cells already made by `csv_cell`) as CSV text, CRLF line ends as RFC 4180."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
