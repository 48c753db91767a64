"""A tiny but real argos-translate package, built from scratch in a fraction of a second.

Tests and benchmarks cannot download models, and operators want to check an offline
install end to end before the real models arrive. This writes a one-layer, 16-wide
CTranslate2 transformer with random weights and a sentencepiece model trained on a few
sentences, and zips them as a real `.argosmodel`: every line of the loading and
translating code runs on it. Its translations are gibberish by construction.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np

_SENTENCES = [
    "they took my passport and do not pay me",
    "there are girls locked in the house near the station",
    "help me please, call the police",
    "we work every day without money",
    "a white van comes every night",
    "the boss says we owe money for the trip",
]
WIDTH = 16
FFN_WIDTH = 32
HEADS = 2


def _train_sentencepiece(vocab_size: int) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_SENTENCES * 4),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return model.getvalue()


def _vocabulary(sp_model: bytes) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=sp_model)
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    return ["<blank>", "<s>", "</s>", *[p for p in pieces if p not in ("<s>", "</s>")]]


def _fill(spec: object, vocab: int, rng: np.random.Generator) -> None:
    """Give every required weight of a CTranslate2 spec a small random value of the shape
    its name implies (weights are float32; shapes follow the transformer layout)."""
    from ctranslate2.specs import model_spec

    def linear(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) * 0.3).astype(np.float32)

    def visit(node: object, path: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                visit(item, f"{path}_{index}")
            return
        if not isinstance(node, model_spec.LayerSpec):
            return
        for name, value in list(vars(node).items()):
            if isinstance(value, (model_spec.LayerSpec, list)):
                visit(value, f"{path}.{name}")
            elif value is None:
                setattr(node, name, _shape_for(f"{path}.{name}", vocab, linear))

    visit(spec, "")


def _shape_for(path: str, vocab: int, linear) -> np.ndarray:
    width = WIDTH
    if path.endswith("gamma"):
        return np.ones(width, dtype=np.float32)
    if path.endswith("beta"):
        return np.zeros(width, dtype=np.float32)
    if "embeddings" in path or "projection" in path:
        return linear(vocab, width)
    shapes = {
        "self_attention.linear_0.weight": (3 * width, width),
        "self_attention.linear_1.weight": (width, width),
        "attention.linear_0.weight": (width, width),
        "attention.linear_1.weight": (2 * width, width),
        "attention.linear_2.weight": (width, width),
        "ffn.linear_0.weight": (FFN_WIDTH, width),
        "ffn.linear_1.weight": (width, FFN_WIDTH),
    }
    for suffix, shape in shapes.items():
        if path.endswith(suffix):
            return linear(*shape)
    raise ValueError(f"no shape rule for {path}")


def write_ctranslate2_model(output_dir: Path, vocabulary: list[str], seed: int = 0) -> None:
    """Write a one-layer transformer with random weights as a CTranslate2 model directory."""
    from ctranslate2.specs import transformer_spec

    spec = transformer_spec.TransformerSpec.from_config(1, HEADS)
    _fill(spec, len(vocabulary), np.random.default_rng(seed))
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization=None)
    spec.save(str(output_dir))


def build_package(
    destination: Path,
    from_code: str,
    to_code: str,
    *,
    version: str = "1.0",
    vocab_size: int = 40,
    seed: int = 0,
) -> Path:
    """Write `translate-{from}_{to}-{version}.argosmodel` into `destination`; return its path."""
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    sp_model = _train_sentencepiece(vocab_size)
    metadata = {
        "package_version": version,
        "argos_version": "1.0",
        "from_code": from_code,
        "from_name": from_code.upper(),
        "to_code": to_code,
        "to_name": to_code.upper(),
        "type": "translate",
        "links": [],
    }
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / name
        (root / "model").mkdir(parents=True)
        write_ctranslate2_model(root / "model", _vocabulary(sp_model), seed)
        (root / "sentencepiece.model").write_bytes(sp_model)
        (root / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        (root / "README.md").write_text("Test package: random weights.\n", encoding="utf-8")
        destination.mkdir(parents=True, exist_ok=True)
        archive = destination / f"{name}.argosmodel"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in sorted(root.rglob("*")):
                zipped.write(path, path.relative_to(work).as_posix())
    return archive
