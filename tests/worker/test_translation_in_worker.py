"""Translation inside the pipeline, with a tiny but real argos model built by the test:
reports, late models, and the two-way conversation with the reporter."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import new_report
from tests.translation.tiny_model import build_package
from translation import ModelStore

SPANISH = "Nos quitaron los pasaportes y trabajamos todos los días sin paga en la finca."


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("argosmodels")
    for source, target in (("es", "en"), ("en", "es")):
        build_package(folder, source, target)
    return folder


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict:
    return {"translation_dir": tmp_path / "translation"}


def install(settings, packages: Path, pair: str) -> None:
    ModelStore(settings.effective_translation_dir).install(
        next(packages.glob(f"translate-{pair}-*.argosmodel"))
    )


async def submit(client, text: str) -> dict:
    answer = await client.post("/v1/reports", json=new_report(text=text, locale="es-MX"))
    assert answer.status_code == 201
    return answer.json()


async def test_a_report_is_translated_with_engine_model_path_and_score(
    app, client, make_moderator, process_pending, packages
):
    install(app.state.settings, packages, "es_en")
    moderator = await make_moderator()
    report_id = (await submit(client, SPANISH))["report_id"]
    await process_pending()
    detail = (await client.get(f"/v1/moderation/reports/{report_id}", headers=moderator)).json()
    assert detail["language"] == "es" and detail["text"] == SPANISH
    translation = detail["translation"]
    assert translation["status"] == "done" and translation["text"]
    assert translation["path"] == "direct"
    assert translation["engine"].startswith("argos-translate")
    assert translation["model_version"] == "es-en@1.0"
    assert 0 <= translation["score"] <= 1


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_a_report_waits_untranslated_and_is_translated_once_a_model_arrives(
    app, client, make_moderator, process_pending, packages
):
    moderator = await make_moderator()
    report_id = (await submit(client, SPANISH))["report_id"]
    await process_pending()
    queue = (await client.get("/v1/moderation/queue", headers=moderator)).json()["items"]
    assert queue[0]["translation_status"] == "unavailable"
    assert queue[0]["excerpt"] == SPANISH[:240]  # never blocked: in the queue, original text

    install(app.state.settings, packages, "es_en")
    await process_pending()
    detail = (await client.get(f"/v1/moderation/reports/{report_id}", headers=moderator)).json()
    assert detail["translation"]["status"] == "done"
    assert detail["translation"]["model_version"] == "es-en@1.0"

    # its duplicate suggestions now compare the translation: a copy in English meets it
    english = detail["translation"]["text"]
    copy = await client.post("/v1/reports", json=new_report(text=english, locale="en-GB"))
    await process_pending()
    path = f"/v1/moderation/reports/{copy.json()['report_id']}/duplicates"
    found = (await client.get(path, headers=moderator)).json()["items"]
    assert [item["id"] for item in found] == [report_id]


async def test_questions_and_answers_are_translated_both_ways_beside_their_originals(
    app, client, make_moderator, process_pending, packages
):
    install(app.state.settings, packages, "es_en")
    install(app.state.settings, packages, "en_es")
    moderator = await make_moderator()
    accepted = await submit(client, SPANISH)
    await process_pending()
    question = "Where is the farm?"
    await client.post(
        f"/v1/moderation/reports/{accepted['report_id']}/messages",
        json={"text": question},
        headers=moderator,
    )
    await process_pending()
    receipt = {"Authorization": f"Receipt {accepted['receipt']}"}
    seen = (await client.get("/v1/reports/mine", headers=receipt)).json()["messages"][0]
    assert seen["translated"] is True and seen["original_text"] == question
    assert seen["text"] != question  # shown in the reporter's language

    await client.post(
        "/v1/reports/mine/messages", json={"text": "La finca está cerca del río."}, headers=receipt
    )
    await process_pending()
    detail = (
        await client.get(f"/v1/moderation/reports/{accepted['report_id']}", headers=moderator)
    ).json()
    answer = detail["messages"][1]
    assert answer["text"] == "La finca está cerca del río."
    assert answer["source_language"] == "es" and answer["translation_status"] == "done"
    assert answer["translated_text"]


async def test_readiness_lists_the_languages_that_can_be_translated(app, client, packages):
    install(app.state.settings, packages, "es_en")
    install(app.state.settings, packages, "en_es")
    translation = (await client.get("/readyz")).json()["translation"]
    assert translation == {"into": "en", "from": ["es"], "models": ["en->es", "es->en"]}


async def test_the_answer_that_brings_an_asked_report_back_is_translated_for_the_team(
    app, client, make_moderator, process_pending, packages
):
    install(app.state.settings, packages, "es_en")
    install(app.state.settings, packages, "en_es")
    moderator = await make_moderator()
    accepted = await submit(client, SPANISH)
    await process_pending()
    report_id = accepted["report_id"]
    asked = await client.post(
        f"/v1/moderation/reports/{report_id}/messages",
        json={"text": "Where is the farm?"},
        headers=moderator,
    )
    assert asked.status_code == 201
    answer = "La finca está cerca del río."
    receipt = {"Authorization": f"Receipt {accepted['receipt']}"}
    assert (
        await client.post("/v1/reports/mine/messages", json={"text": answer}, headers=receipt)
    ).status_code == 201
    await process_pending()

    queue = (await client.get("/v1/moderation/queue", headers=moderator)).json()["items"]
    assert [item["id"] for item in queue] == [report_id] and queue[0]["answered_at"]
    detail = (await client.get(f"/v1/moderation/reports/{report_id}", headers=moderator)).json()
    reply = detail["messages"][-1]
    assert reply["sender"] == "reporter" and reply["text"] == answer
    assert reply["source_language"] == "es" and reply["target_language"] == "en"
    assert reply["translation_status"] == "done"
    assert reply["translated_text"] and reply["translated_text"] != answer


async def test_a_report_waiting_for_its_answer_is_translated_once_a_model_arrives(
    app, client, make_moderator, process_pending, packages
):
    moderator = await make_moderator()
    report_id = (await submit(client, SPANISH))["report_id"]
    await process_pending()
    asked = await client.post(
        f"/v1/moderation/reports/{report_id}/messages",
        json={"text": "Where is the farm?"},
        headers=moderator,
    )
    assert asked.status_code == 201

    install(app.state.settings, packages, "es_en")
    await process_pending()
    detail = (await client.get(f"/v1/moderation/reports/{report_id}", headers=moderator)).json()
    assert detail["status"] == "needs_info"
    assert detail["translation"]["status"] == "done"
