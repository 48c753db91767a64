"""Offline translation with argos-translate packages, for the worker and the console.

Why not `argostranslate.translate.translate`: it keeps a cache of the last texts it
translated (report text must live only in the reports table), fetches a sentence model
from the internet on first use, and hides the model's score and the path it took. Here
argos' own package loading and tokenizers are used with CTranslate2 directly: models are
loaded once per process, all sentences of a report go to the model in one batch, long
sentences are chunked, protected spans are masked, and a missing pair pivots through
English (both ways, so a moderator's question reaches the reporter too).

`translate` never raises for a bad text: it answers "failed" or "unavailable". Text
detected as typed in Latin letters instead of its own script (`hi-Latn`) is
"unavailable" on purpose: no installed model was trained on it.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from translation import masking, segment
from translation.argos_env import argos_package_module, engine_name
from translation.languages import is_romanised
from translation.store import InstalledModel, ModelStore

if TYPE_CHECKING:
    from core.settings import Settings

logger = logging.getLogger(__name__)

Status = Literal["done", "not_needed", "unavailable", "failed"]
_UNSPACED = {"zh-cn", "zh-tw", "ja", "th", "lo", "km", "my"}


@dataclass(frozen=True)
class TranslationResult:
    """What the worker stores with a report.

    `path` is "direct" or "pivot:en"; `score` is the model's geometric-mean token
    probability (0..1, product over the hops of a pivot): how much to trust the text.
    `error` is a short reason without any report text."""

    status: Status
    text: str | None
    engine: str
    model_version: str | None = None
    path: str | None = None
    score: float | None = None
    error: str | None = None


@dataclass
class _Hop:
    text: str
    log_prob: float  # summed over target tokens
    tokens: int


class _LoadedModel:
    """One installed package in memory: argos' tokenizer and a CTranslate2 translator."""

    def __init__(self, model: InstalledModel, inter_threads: int, intra_threads: int) -> None:
        import ctranslate2

        self.info = model
        package = argos_package_module(model.path.parent).Package(model.path)
        self.tokenizer = package.tokenizer
        self.tokenizer.encode("warm up")  # load the tokenizer now, under the caller's lock
        self.target_prefix: str = package.target_prefix
        self.translator = ctranslate2.Translator(
            str(model.path / "model"),
            device="cpu",
            inter_threads=inter_threads,
            intra_threads=intra_threads,
            compute_type="auto",
        )

    def translate_sentences(self, sentences: list[str], beam_size: int) -> list[_Hop]:
        """Translate sentences in one batch; long ones are cut into token chunks."""
        chunks: list[list[str]] = []
        owners: list[int] = []
        for index, sentence in enumerate(sentences):
            for chunk in segment.chunk_tokens(self.tokenizer.encode(sentence)):
                chunks.append(chunk)
                owners.append(index)
        if not chunks:
            return []
        prefix = [[self.target_prefix]] * len(chunks) if self.target_prefix else None
        longest = max(len(chunk) for chunk in chunks)
        results = self.translator.translate_batch(
            chunks,
            target_prefix=prefix,
            beam_size=beam_size,
            max_batch_size=32,
            length_penalty=1.0,  # makes the score the mean log-probability per token
            return_scores=True,
            replace_unknowns=True,
            max_decoding_length=min(2 * longest + 10, 512),
        )
        hops = [_Hop("", 0.0, 0) for _ in sentences]
        for owner, result in zip(owners, results, strict=True):
            tokens = result.hypotheses[0]
            if self.target_prefix and tokens[:1] == [self.target_prefix]:
                tokens = tokens[1:]
            hop = hops[owner]
            hop.text = f"{hop.text} {self.tokenizer.decode(tokens).strip()}".strip()
            hop.log_prob += result.scores[0] * max(len(tokens), 1)
            hop.tokens += max(len(tokens), 1)
        return hops


class Translator:
    """Translates between any two languages the installed packages connect.

    Thread-safe; one per process (see `get_translator`). Installs and removals made by
    another process (the CLI) are noticed on the next call."""

    def __init__(
        self,
        directory: Path,
        *,
        target_language: str = "en",
        pivots: tuple[str, ...] = ("en",),
        beam_size: int = 2,
        inter_threads: int = 1,
        intra_threads: int = 0,
    ) -> None:
        self.store = ModelStore(directory)
        self.target_language = target_language
        self.pivots = pivots
        self.beam_size = beam_size
        self._threads = (inter_threads, intra_threads)
        self._lock = threading.RLock()
        self._signature: tuple[Any, ...] | None = None
        self._pairs: dict[tuple[str, str], InstalledModel] = {}
        self._loaded: dict[Path, _LoadedModel] = {}
        self.engine = engine_name()

    # --- catalogue ---

    def _refresh(self) -> dict[tuple[str, str], InstalledModel]:
        signature = self.store.signature()
        with self._lock:
            if signature != self._signature:
                models = self.store.installed()
                self._pairs = {(m.source, m.target): m for m in models}
                live = {m.path for m in models}
                self._loaded = {p: m for p, m in self._loaded.items() if p in live}
                self._signature = signature
            return self._pairs

    def available_languages(self) -> list[tuple[str, str]]:
        """Installed (source, target) pairs, in detection codes."""
        return sorted(self._refresh())

    def route(self, source: str, target: str) -> list[InstalledModel] | None:
        """Packages to chain from `source` to `target`: one (direct), two (pivot), or None."""
        pairs = self._refresh()
        if (source, target) in pairs:
            return [pairs[source, target]]
        for pivot in self.pivots:
            if (source, pivot) in pairs and (pivot, target) in pairs:
                return [pairs[source, pivot], pairs[pivot, target]]
        return None

    def sources_into(self, target: str) -> list[str]:
        """Languages that can reach `target` now, directly or through a pivot."""
        sources = {source for source, _ in self.available_languages()}
        return sorted(
            source for source in sources if source != target and self.route(source, target)
        )

    def preload(self) -> None:
        """Load every installed model now (at worker start) rather than on first use."""
        for model in self._refresh().values():
            self._model(model)

    def _model(self, info: InstalledModel) -> _LoadedModel:
        with self._lock:
            loaded = self._loaded.get(info.path)
            if loaded is None or loaded.info != info:
                loaded = _LoadedModel(info, *self._threads)
                self._loaded[info.path] = loaded
            return loaded

    # --- translating ---

    def translate(self, text: str, source: str, target: str) -> TranslationResult:
        """Translate `text` from `source` to `target` (detection codes); never raises."""
        if not text.strip() or source == target:
            return TranslationResult("not_needed", None, self.engine)
        if is_romanised(source) or is_romanised(target):
            # The models read and write each language in its own script: romanised text
            # fed to them comes out as confident gibberish, so it is not translated.
            return TranslationResult(
                "unavailable", None, self.engine, error=f"romanised: {source}->{target}"
            )
        try:
            chain = self.route(source, target) if source != "und" else None
            if chain is None:
                return TranslationResult(
                    "unavailable", None, self.engine, error=f"no model for {source}->{target}"
                )
            translated, score = self._run_chain(text, chain)
        except Exception as error:  # a bad text or model must not stop the worker
            logger.warning("translation %s->%s failed: %s", source, target, type(error).__name__)
            return TranslationResult("failed", None, self.engine, error=type(error).__name__)
        return TranslationResult(
            "done",
            translated,
            self.engine,
            model_version="+".join(f"{m.source}-{m.target}@{m.version}" for m in chain),
            path="direct" if len(chain) == 1 else f"pivot:{chain[0].target}",
            score=round(score, 4),
        )

    def to_reporter(self, text: str, reporter_language: str) -> TranslationResult:
        """A moderator's message, from the team's language into the reporter's."""
        return self.translate(text, self.target_language, reporter_language)

    def from_reporter(self, text: str, reporter_language: str) -> TranslationResult:
        """A reporter's message, into the team's language."""
        return self.translate(text, reporter_language, self.target_language)

    def _run_chain(self, text: str, chain: list[InstalledModel]) -> tuple[str, float]:
        masked = masking.mask(text)
        current, log_prob = masked.text, 0.0
        for info in chain:
            current, hop_log_prob = self._translate_text(self._model(info), current, info.target)
            log_prob += hop_log_prob
        return masking.unmask(current, masked.spans), math.exp(log_prob)

    def _translate_text(self, model: _LoadedModel, text: str, target: str) -> tuple[str, float]:
        """Translate a (masked) text paragraph by paragraph; return it and its mean
        log-probability per token."""
        units = [
            (index, sentence)
            for index, paragraph in enumerate(segment.paragraphs(text))
            for sentence in segment.sentences(paragraph)
        ]
        hops = model.translate_sentences([s for _, s in units], self.beam_size)
        lines: list[list[str]] = [[] for _ in segment.paragraphs(text)]
        for (index, sentence), hop in zip(units, hops, strict=True):
            lines[index].append(masking.keep_placeholders(sentence, hop.text))
        joiner = "" if target in _UNSPACED else " "
        tokens = sum(hop.tokens for hop in hops)
        mean = sum(hop.log_prob for hop in hops) / tokens if tokens else 0.0
        return "\n".join(joiner.join(line) for line in lines), mean


_translators: dict[tuple[Path, str], Translator] = {}
_translators_lock = threading.Lock()


def get_translator(settings: Settings) -> Translator:
    """The process-wide translator for the configured model folder and team language."""
    key = (settings.effective_translation_dir.resolve(), settings.target_language)
    with _translators_lock:
        translator = _translators.get(key)
        if translator is None:
            translator = Translator(key[0], target_language=settings.target_language)
            _translators[key] = translator
        return translator
