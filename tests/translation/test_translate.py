"""Translation through installed tiny argos packages: every line of real loading runs,
the output is gibberish, so the tests check what survives gibberish."""

from __future__ import annotations

import json
from pathlib import Path

from core.settings import Settings
from translation import Translator, get_translator
from translation.masking import mask, unmask


def test_install_list_remove_through_the_cli(models_dir: Path, packages: Path, run_cli):
    result = run_cli("translation", "install", str(packages / "translate-es_en-1_0.argosmodel"))
    assert result.exit_code == 0, result.output
    assert "installed es -> en" in result.output
    listed = run_cli("translation", "list", "--json")
    assert [json.loads(line)["source"] for line in listed.stdout.splitlines()] == ["es"]
    removed = run_cli("translation", "remove", "es-en")
    assert removed.exit_code == 0 and "removed es -> en" in removed.output
    assert "no translation models installed" in run_cli("translation", "list").output
    assert run_cli("translation", "remove", "es-en").exit_code == 1


def test_install_refuses_a_file_that_is_not_a_package(models_dir: Path, tmp_path: Path, run_cli):
    bogus = tmp_path / "bogus.argosmodel"
    bogus.write_bytes(b"not a zip")
    result = run_cli("translation", "install", str(bogus))
    assert result.exit_code == 1
    assert "not an .argosmodel" in result.output
    assert not any(p for p in models_dir.iterdir() if not p.name.startswith("."))


def test_direct_translation_keeps_protected_spans(installed: Path):
    text = (
        "Me quitaron el pasaporte. Llamen al +52 55 1234 5678 o escriban a ana.m@correo.mx.\n"
        'El jefe se llama "Don Pedro", la placa es ABC-1234 y pagamos $3,000 '
        "en www.viajes.example/x"
    )
    result = Translator(installed).translate(text, "es", "en")
    assert result.status == "done" and result.path == "direct"
    assert result.model_version == "es-en@1.0"
    assert result.engine.startswith("argos-translate ")
    assert 0.0 < result.score <= 1.0
    for span in (
        "+52 55 1234 5678",
        "ana.m@correo.mx",
        '"Don Pedro"',
        "ABC-1234",
        "$3,000",
        "www.viajes.example/x",
    ):
        assert span in result.text
    assert result.text.count("\n") == 1  # paragraphs survive


def test_pivot_through_english_both_ways(installed: Path):
    translator = Translator(installed)
    assert ("es", "sw") not in translator.available_languages()
    forward = translator.translate("No me dejan salir, llamen al +52 55 1234 5678", "es", "sw")
    assert forward.status == "done" and forward.path == "pivot:en"
    assert "+52 55 1234 5678" in forward.text
    assert forward.model_version == "es-en@1.0+en-sw@1.0"
    # a moderator writing in English reaches a Spanish-speaking reporter, and back
    assert translator.to_reporter("Where are you now?", "es").status == "done"
    assert translator.from_reporter("En la casa azul", "es").path == "direct"


def test_unavailable_and_not_needed_never_raise(installed: Path):
    translator = Translator(installed)
    assert translator.translate("Habari", "sw", "en").status == "unavailable"
    assert translator.translate("something", "und", "en").status == "unavailable"
    same = translator.translate("hello", "en", "en")
    assert same.status == "not_needed" and same.text is None
    assert translator.translate("   ", "es", "en").status == "not_needed"


def test_long_text_is_chunked_and_translated(installed: Path):
    sentence = "trabajamos todos los dias sin dinero y sin descanso en la finca grande "
    text = sentence * 60 + "llamen al 555-123-4567"  # one sentence of hundreds of tokens
    result = Translator(installed).translate(text, "es", "en")
    assert result.status == "done"
    assert result.text.endswith("555-123-4567") or "555-123-4567" in result.text


def test_models_installed_later_are_noticed(models_dir: Path, packages: Path, run_cli):
    translator = get_translator(Settings(translation_dir=models_dir))
    assert translator.translate("hola", "es", "en").status == "unavailable"
    run_cli("translation", "install", str(packages / "translate-es_en-1_0.argosmodel"))
    assert translator.translate("hola", "es", "en").status == "done"
    run_cli("translation", "remove", "translate-es_en")
    assert translator.available_languages() == []


def test_a_broken_model_fails_without_raising(installed: Path):
    (installed / "translate-es_en" / "model" / "model.bin").write_bytes(b"garbage")
    result = Translator(installed).translate("hola", "es", "en")
    assert result.status == "failed" and result.text is None


def test_mask_round_trip_and_placeholder_lookalikes():
    text = "Ref [1] and [2] cost 300€, call +1 (555) 010-9999, email x_y@z.com"
    masked = mask(text)
    assert "300€" not in masked.text and "x_y@z.com" not in masked.text
    assert unmask(masked.text, masked.spans) == text
