"""Time the hostile files of tests/media/*_hostile.py, whose tests assert no time.

Each test holds its clean to a CPU-time cap (tests/media/measure.py); this prints, per
hostile file, the CPU the clean takes measured as the test measures it (in a child, with
memory tracing where the test asserts a peak), the cap and the headroom, and the median
wall time in process without tracing. Run from the repository root:

    .venv/bin/python benchmarks/hostile.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.settings import Settings
from media import MediaRefused, sanitize_file
from media.limits import MediaSettings
from tests.media import test_jpeg_hostile, test_png_gif_hostile, test_riff_amr_hostile
from tests.media.measure import Case, bounded

MODULES = (test_jpeg_hostile, test_png_gif_hostile, test_riff_amr_hostile)


def outcome(source: Path, workdir: Path, settings: MediaSettings) -> str:
    """'clean' (the output is deleted) or the refusal."""
    try:
        sanitize_file(source, workdir, settings=settings).path.unlink()
    except MediaRefused as refusal:
        return f"refused: {refusal.detail}"
    return "clean"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per file (medians printed)")
    args = parser.parse_args()
    cases = [
        (name, case)
        for module in MODULES
        for name, case in vars(module).items()
        if isinstance(case, Case)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        folder = Path(tmp)
        settings = Settings(_env_file=None, data_dir=folder / "var")
        print(f"load: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}\n")
        print("| file | size | outcome | CPU as tested | cap | headroom | wall in process |")
        print("|---|---:|---|---:|---:|---:|---:|")
        for name, case in cases:
            source = case.write(folder)
            runs = [
                bounded(outcome, source, folder, settings, cpu=600, memory=case.memory)
                for _ in range(args.runs)
            ]
            cpu = statistics.median(run.cpu for run in runs)
            walls = []
            for _ in range(args.runs):
                started = time.perf_counter()
                outcome(source, folder, settings)
                walls.append(time.perf_counter() - started)
            size, wall = source.stat().st_size / 1e6, statistics.median(walls)
            source.unlink()
            print(
                f"| {name} ({case.name}) | {size:.1f} MB | {runs[-1].value} | {cpu * 1000:.0f} ms "
                f"| {case.cpu:g} s | {case.cpu / cpu:.1f}x | {wall * 1000:.0f} ms |"
            )


if __name__ == "__main__":
    main()
