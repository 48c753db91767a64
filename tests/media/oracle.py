"""An independent judge of "clean": exiftool (with embedded documents) and a byte search.

Shared by the tests and `benchmarks/sanitize.py`, so both call a file dirty for the same
reasons. exiftool is Debian's libimage-exiftool-perl, not code from this project.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

# Values planted by the builders; none may survive anywhere in a clean file's bytes.
PLANTED = (
    b"PLANTSERIAL",
    b"PLANTARTIST",
    b"PLANTXMP",
    b"PLANTIPTC",
    b"PLANTCOMMENT",
    b"PLANTTRAILER",
    b"PLANTMAKE",
    b"PLANTICC",
    b"PLANTTITLE",
    b"PLANTGPS",
    b"PLANTAPP",
    b"PLANTHANDLER",
)
_SKIP_GROUPS = {"ExifTool", "System", "SourceFile"}
_DIRTY_GROUPS = re.compile(
    r"^(ExifIFD|GPS|IFD1|SubIFD\d*|InteropIFD|MakerNotes|XMP.*|IPTC|Photoshop|ICC.*|MPF\d*|"
    r"MPImage\d*|FlashPix|Adobe|APP\d+|Ducky|Keys|UserData|ItemList|ID3.*|APE|"
    r"RIFF-INFO|Google|Apple|Samsung|PrintIM|CIFF)$"
)
_DIRTY_TAGS = re.compile(
    r"GPS|Location|Serial|^Make$|Model|Artist|Author|Creator|Copyright|Owner|Software|"
    r"Comment|Title|Keyword|Lens|Encoder|Thumbnail|PreviewImage|Warning|XMP|IPTC|Profile(Desc|Creat)|"
    r"Album|Genre|UniqueID|DocumentID|Trailer|MakerNote|Originator|(?<!Group)Description|Text|Date|"
    r"Creation|Host|Vendor"
)
_GENERIC = {
    "HandlerDescription": {"VideoHandler", "SoundHandler", "DataHandler", ""},
    "VendorID": {"FFmpeg"},
    "Vendor": {"Lavf", "Lavc", "ffmpeg"},
    "HandlerVendorID": {"Apple"},
    "CopyrightFlag": {"False"},
    "Encoder": {"Lavf", "Lavc"},
    # ffmpeg's own AMR decoder-config box in 3GP (the phone's vendor code is replaced)
    "EncoderVendor": {"FFMP"},
    "EncoderVersion": {"0"},
}
_ZERO_DATE = re.compile(r"^[0: ]*$")
# What a clean photo may still say: how to turn it (written fresh by the sanitiser).
ALWAYS_ALLOWED = frozenset({"IFD0:Orientation"})


def exiftool_reports(paths: list[Path]) -> list[dict[str, object]]:
    """All tags exiftool finds in each file (one process), embedded documents included."""
    done = subprocess.run(
        ["exiftool", "-j", "-a", "-G1", "-ee3", "-u", *map(str, paths)],
        capture_output=True,
        check=False,
        timeout=600,
    )
    found = {str(item["SourceFile"]): item for item in json.loads(done.stdout or b"[]")}
    return [found.get(str(path), {"ExifTool:Error": "not read"}) for path in paths]


def exiftool_report(path: Path) -> dict[str, object]:
    return exiftool_reports([path])[0]


def dirty_tags(report: dict[str, object], allowed: frozenset[str] = frozenset()) -> list[str]:
    """Tags in `report` that carry metadata (group:tag names only, never values)."""
    found = []
    for key, value in report.items():
        group, _, tag = key.partition(":")
        if group in _SKIP_GROUPS or key in allowed or key in ALWAYS_ALLOWED:
            continue
        text = str(value)
        if tag in _GENERIC and text in _GENERIC[tag]:
            continue
        if "Date" in tag and _ZERO_DATE.match(text):
            continue
        if group == "File" and tag not in ("Comment", "Warning"):
            continue
        if group == "Composite" and "GPS" not in tag:
            continue
        if _DIRTY_GROUPS.match(group) or _DIRTY_TAGS.search(tag):
            found.append(key)
    return found


def planted_bytes(path: Path) -> list[str]:
    data = path.read_bytes()
    return [value.decode() for value in PLANTED if value in data]


def leaks(path: Path, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Everything identifying that remains in `path`: tag names and planted values."""
    return dirty_tags(exiftool_report(path), allowed) + planted_bytes(path)


def leaks_many(paths: list[Path]) -> list[list[str]]:
    """`leaks` for many files with one exiftool process."""
    reports = exiftool_reports(paths)
    return [dirty_tags(r) + planted_bytes(p) for r, p in zip(reports, paths, strict=True)]


def streams(path: Path) -> list[dict[str, object]]:
    """ffprobe's description of each stream of `path`, in stream order."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_streams", str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)["streams"]


def stream_kinds(path: Path) -> list[str]:
    """What ffprobe lists in `path`: ["video", "audio", "data", ...], in stream order."""
    return [str(stream["codec_type"]) for stream in streams(path)]
