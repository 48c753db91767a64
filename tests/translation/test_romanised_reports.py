"""A romanised report as the worker and the console handle it: never sent to a model
trained on the language's own script, and shown to the moderator for what it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.wording import language_name
from tests.translation.tiny_model import build_package
from translation import Translator
from worker.pipeline import analyse

ROMAN_URDU = "mujhe yahan se nikalo, malik ne passport rakh liya hai"
URDU = "مجھے یہاں سے نکالو، مالک نے پاسپورٹ رکھ لیا ہے"


@pytest.fixture(scope="module")
def urdu_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder with an (Urdu-script) ur->en package installed."""
    packages = tmp_path_factory.mktemp("urdu-packages")
    build_package(packages, "ur", "en")
    models = tmp_path_factory.mktemp("urdu-models")
    translator = Translator(models)
    for file in translator.store.package_files(packages):
        translator.store.install(file)
    return models


def test_the_worker_does_not_send_romanised_text_to_a_native_script_model(urdu_model: Path):
    translator = Translator(urdu_model)
    native = analyse(URDU, "ur-PK", translator, "en")
    assert native["language"] == "ur" and native["translated_text"]  # the model is there
    romanised = analyse(ROMAN_URDU, "ur-PK", translator, "en")
    assert romanised["language"] == "ur-Latn"  # fits the String(8) column
    assert romanised["translation_status"] == "unavailable"
    assert romanised["translated_text"] is None
    assert romanised["language_confidence"] >= 0.5


def test_a_moderators_question_is_not_forced_into_a_script_the_reporter_did_not_use(
    urdu_model: Path,
):
    result = Translator(urdu_model).to_reporter("Where are you now?", "ur-Latn")
    assert result.status == "unavailable" and result.text is None


def test_the_console_names_a_romanised_report_for_what_it_is():
    assert language_name("ur-Latn") == "Urdu, typed in Latin letters — not translated (ur-Latn)"
    assert language_name("zh-Latn").startswith("Chinese, typed in Latin letters")
    assert language_name("ur") == "Urdu (ur)"
    assert language_name("ms") == "Malay (ms)"
    assert language_name("ti") == "Tigrinya (ti)"
