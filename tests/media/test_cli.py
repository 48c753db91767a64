"""`stop-intake sanitize FILE... --out DIR`, through the real command group."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from tests.media import oracle


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_batch_of_clean_files_exits_zero(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "clean"
    files = [corpus["jpeg"], corpus["heic"], corpus["mp3"]]

    done = CliRunner().invoke(cli, ["sanitize", *map(str, files), "--out", str(out)])

    assert done.exit_code == 0, done.output
    lines = _lines(done.output)
    assert [line["status"] for line in lines] == ["clean"] * 3
    assert [line["file"] for line in lines] == [str(f) for f in files]
    outputs = [Path(str(line["output"])) for line in lines]
    assert [p.name for p in outputs] == ["photo.jpg", "iphone.jpg", "voice.mp3"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in outputs)
    assert all(oracle.leaks(p) == [] for p in outputs)


def test_any_refusal_exits_one_and_says_why(corpus: dict[str, Path], tmp_path: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"PK\x03\x04 not a photo")
    out = tmp_path / "clean"

    done = CliRunner().invoke(
        cli,
        [
            "sanitize",
            str(junk),
            str(corpus["png"]),
            str(tmp_path / "missing.png"),
            "--out",
            str(out),
        ],
    )

    assert done.exit_code == 1
    lines = _lines(done.output)
    assert [line["status"] for line in lines] == ["refused", "clean", "refused"]
    assert lines[0]["reason"] and "output" not in lines[0]
    assert [p.name for p in out.iterdir()] == ["screen.png"]
