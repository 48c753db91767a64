"""Per-report time and throughput of the translation pipeline with the tiny test model,
and its overhead over a bare CTranslate2 call on the same inputs.

The model is random (see tests/translation/tiny_model.py), so the numbers measure the pipeline
(masking, sentence split, tokenising, batching, scoring, pivot), not translation quality;
with a real model the CTranslate2 share grows and the overhead share shrinks.
Usage: .venv/bin/python benchmarks/translation.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.translation.tiny_model import build_package  # noqa: E402
from translation import ModelStore, Translator  # noqa: E402

REPORTS = [
    "Me quitaron el pasaporte y no me pagan.",
    "Hay varias muchachas encerradas en la casa de al lado. No las dejan salir. "
    "Llamen al +52 55 1234 5678 o escriban a ayuda@example.org.",
    "El patrón dice que debemos $3,000 por el viaje. La camioneta blanca tiene placa ABC-1234. "
    "Vienen todas las noches a las diez y se llevan a dos o tres chicas. Tengo miedo.\n"
    "Por favor ayúdennos, estamos en la calle Lima cerca de la estación de autobuses.",
] * 20


def timed(function, items) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter()
        function(item)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        store = ModelStore(folder / "models")
        for source, target in (("es", "en"), ("en", "sw")):
            store.install(build_package(folder / "files", source, target))
        translator = Translator(store.directory)
        translator.preload()
        model = translator._model(translator.route("es", "en")[0])  # the same loaded model

        def bare(text: str) -> None:  # what argos would feed CTranslate2, without the pipeline
            tokens = model.tokenizer.encode(text)
            limit = 2 * len(tokens) + 10
            model.translator.translate_batch([tokens], beam_size=2, max_decoding_length=limit)

        def direct(text: str) -> None:
            translator.translate(text, "es", "en")

        def pivot(text: str) -> None:
            translator.translate(text, "es", "sw")

        rows = [
            ("bare CTranslate2 (es->en)", timed(bare, REPORTS)),
            (
                "pipeline direct (es->en)",
                timed(direct, REPORTS),
            ),
            (
                "pipeline pivot (es->en->sw)",
                timed(pivot, REPORTS),
            ),
        ]
    print(f"{'':<30} {'median ms':>10} {'p95 ms':>8} {'reports/s':>10}")
    for label, times in rows:
        ordered = sorted(times)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(
            f"{label:<30} {statistics.median(times) * 1000:>10.2f} {p95 * 1000:>8.2f}"
            f" {len(times) / sum(times):>10.1f}"
        )
    overhead = statistics.median(rows[1][1]) / statistics.median(rows[0][1])
    print(f"pipeline / bare (median, direct): {overhead:.2f}x")


if __name__ == "__main__":
    main()
