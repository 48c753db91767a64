"""Compare this sanitiser with `exiftool -all=` and mat2 on the same dirty files.

Builds forty 12-megapixel phone-like JPEGs (EXIF with GPS, serial, maker, thumbnail and
orientation; XMP and extended XMP; IPTC; ICC; MPF; Adobe; a comment; a motion-photo
trailer) and one dirty file of every other supported format, then times, per tool, one
process cleaning the whole batch (the command line included: ours both as the installed
`stop-intake` console script and as `python -m cli`), and this sanitiser per file in
process (median and p95 over several passes, after a warm-up). Each batch runs
several times into fresh folders and the median is printed. Every output is judged
by exiftool (-ee3) and a byte search for the planted values (tests/media/oracle.py).
Run from the repository root:

    .venv/bin/python benchmarks/sanitize.py [--jpegs 40]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from core.settings import Settings
from media import MediaRefused, sanitize_file
from tests.media import builders, oracle

PHONE = (4032, 3024)
ROOT = Path(__file__).resolve().parents[1]
CONSOLE = [str(Path(sys.executable).with_name("stop-intake"))]
MODULE = [sys.executable, "-m", "cli"]


def build(folder: Path, count: int) -> tuple[list[Path], list[Path]]:
    """(phone JPEGs, one file of each other format), all dirty."""
    folder.mkdir(parents=True)
    bases = [Image.fromarray(builders.pixels(*PHONE, seed=seed)) for seed in range(4)]
    jpegs = []
    for number in range(count):
        jpegs.append(
            builders.jpeg(folder, f"IMG_{number:04d}.jpg", image=bases[number % 4], orientation=6)
        )
    corpus = builders.dirty_corpus(folder / "formats")
    others = [path for name, path in corpus.items() if not name.startswith("jpeg")]
    return jpegs, others


def ours(command: list[str]) -> Callable[[list[Path], Path], tuple[float, dict]]:
    """Time `command sanitize FILES --out DIR`, run from the repository root."""
    return lambda files, out: _run_ours(command, files, out)


def _run_ours(
    command: list[str], files: list[Path], out: Path
) -> tuple[float, dict[Path, Path | None]]:
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "sanitize", *map(str, files), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    outputs: dict[Path, Path | None] = {file: None for file in files}
    for line in done.stdout.splitlines():
        item = json.loads(line)
        if item["status"] == "clean":
            outputs[Path(item["file"])] = Path(item["output"])
    return elapsed, outputs


def run_exiftool(files: list[Path], out: Path) -> tuple[float, dict[Path, Path | None]]:
    out.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run(
        ["exiftool", "-q", "-q", "-m", "-all=", "-o", f"{out}/", *map(str, files)],
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    return elapsed, {f: (out / f.name if (out / f.name).exists() else None) for f in files}


def run_mat2(files: list[Path], out: Path) -> tuple[float, dict[Path, Path | None]]:
    out.mkdir(parents=True)
    copies = [Path(shutil.copy(f, out / f.name)) for f in files]  # mat2 writes beside its input
    started = time.perf_counter()
    subprocess.run(["mat2", *map(str, copies)], capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    outputs: dict[Path, Path | None] = {}
    for original, copy in zip(files, copies, strict=True):
        cleaned = copy.with_name(f"{copy.stem}.cleaned{copy.suffix}")
        outputs[original] = cleaned if cleaned.exists() else None
    return elapsed, outputs


def repeated(
    run: Callable[[list[Path], Path], tuple[float, dict[Path, Path | None]]],
    files: list[Path],
    out: Path,
    times: int,
) -> tuple[float, dict[Path, Path | None]]:
    """Median seconds of `times` runs into fresh folders, and the last run's outputs.

    One run of a 0.3 s batch swings by ±20 % on a shared machine; the median does not.
    """
    seconds = []
    for _ in range(times):
        if out.exists():
            shutil.rmtree(out)
        elapsed, outputs = run(files, out)
        seconds.append(elapsed)
    return statistics.median(seconds), outputs


def per_file_in_process(files: list[Path], scratch: Path, passes: int = 1) -> list[float]:
    """Seconds per `sanitize_file` call over `passes` passes, after one warm-up call."""
    scratch.mkdir(exist_ok=True)
    settings = Settings(_env_file=None, data_dir=scratch / "var")
    sanitize_file(files[0], scratch, settings=settings).path.unlink()
    times = []
    for file in files * passes:
        started = time.perf_counter()
        try:
            result = sanitize_file(file, scratch, settings=settings)
        except MediaRefused:
            times.append(float("nan"))
            continue
        times.append(time.perf_counter() - started)
        result.path.unlink()
    return times


def judge(outputs: dict[Path, Path | None]) -> dict[Path, str]:
    """'clean', 'FAILED' (no output) or 'DIRTY' per input file."""
    present = [(src, out) for src, out in outputs.items() if out is not None]
    verdicts = {src: "FAILED" for src, out in outputs.items() if out is None}
    for (src, _), found in zip(present, oracle.leaks_many([o for _, o in present]), strict=True):
        verdicts[src] = "DIRTY" if found else "clean"
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jpegs", type=int, default=40)
    parser.add_argument("--passes", type=int, default=5, help="in-process passes over the JPEGs")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each batch (median kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sanitize-") as tmp:
        root = Path(tmp)
        print(f"building {args.jpegs} 12-MP JPEGs and one file of each other format…")
        jpegs, others = build(root / "in", args.jpegs)
        megabytes = sum(f.stat().st_size for f in jpegs) / 1e6
        print(f"JPEG batch: {len(jpegs)} files, {megabytes:.0f} MB; load: {_load()}\n")
        tools: dict[str, Callable[[list[Path], Path], tuple[float, dict[Path, Path | None]]]] = {
            "stop-intake sanitize": ours(CONSOLE),
            "python -m cli sanitize": ours(MODULE),
            "exiftool -all=": run_exiftool,
            "mat2": run_mat2,
        }
        rows = []
        verdicts: dict[str, dict[Path, str]] = {}
        for name, run in tools.items():
            slug = "-".join(name.split()[:2])
            jpeg_time, jpeg_out = repeated(run, jpegs, root / f"{slug}-jpeg", args.repeat)
            other_time, other_out = repeated(run, others, root / f"{slug}-other", args.repeat)
            verdicts[name] = judge({**jpeg_out, **other_out})
            bad_jpegs = sum(verdicts[name][f] != "clean" for f in jpegs)
            rows.append((name, jpeg_time, jpeg_time / len(jpegs), bad_jpegs, other_time))
        in_process = per_file_in_process(jpegs, root / "inproc", args.passes)
        others_in_process = per_file_in_process(others, root / "inproc")
        _print_table(rows, len(jpegs), in_process)
        _print_formats(others, verdicts, others_in_process)


def _print_table(
    rows: list[tuple[str, float, float, int, float]], count: int, in_process: list[float]
) -> None:
    print(
        f"| tool | {count} JPEGs, one process | per JPEG | JPEGs left dirty or failed "
        "| other formats, one process |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, total, each, bad, other in rows:
        print(f"| {name} | {total:.2f} s | {each * 1000:.0f} ms | {bad} | {other:.2f} s |")
    ordered = sorted(in_process)
    median = statistics.median(ordered) * 1000
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)))] * 1000
    per_batch = sum(in_process) / len(in_process) * count
    print(
        f"| sanitize_file() in process | {per_batch:.2f} s | {median:.1f} ms (median; "
        f"p95 {p95:.1f}, min {ordered[0] * 1000:.1f}; {len(ordered)} runs) | – | – |\n"
    )


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _print_formats(
    others: list[Path], verdicts: dict[str, dict[Path, str]], times: list[float]
) -> None:
    names = list(verdicts)
    print("| file | " + " | ".join(names) + " | sanitize_file() time |")
    print("|---|" + "---|" * len(names) + "---:|")
    for file, took in zip(others, times, strict=True):
        cells = " | ".join(verdicts[name][file] for name in names)
        print(f"| {file.name} | {cells} | {took * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
