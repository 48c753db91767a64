"""The console over plain HTTP: who gets in, what every answer carries, and what an
error page may show."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from models.report import Report, ReportStatus
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import csrf_in


async def test_a_logged_out_browser_is_sent_to_login_from_every_page(client, queued_report):
    report_id = await queued_report()
    for path in ("/console/queue", f"/console/reports/{report_id}", "/console/languages"):
        answer = await client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/console/login?next={path}"
    refused = await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": "x"})
    assert refused.status_code == 303 and refused.headers["location"] == "/console/login"
    assert (await client.get("/console/")).headers["location"] == "/console/login"


async def test_the_session_cookie_is_httponly_strict_and_scoped_to_the_console(
    client, add_moderator
):
    await add_moderator("ana")
    form = await client.get("/console/login")
    answer = await client.post(
        "/console/login",
        data={
            "username": "ana",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_in(form.text),
            "next": "/console/languages",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/languages"
    cookie = next(
        value
        for value in answer.headers.get_list("set-cookie")
        if value.startswith("stop_console=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/console"} <= attributes
    assert "secure" not in attributes  # plain http here; https requests get Secure
    assert cookie.split(";")[0].split("=", 1)[1].startswith("stopmod_")


async def test_login_without_its_form_token_is_refused(client, add_moderator):
    await add_moderator("ana")
    await client.get("/console/login")  # has the pre-login cookie, but posts no token
    answer = await client.post(
        "/console/login", data={"username": "ana", "password": TEST_PASSWORD}
    )
    assert answer.status_code == 403
    assert "stop_console=" not in answer.headers.get("set-cookie", "")


async def test_a_post_with_a_wrong_csrf_token_changes_nothing(
    client, console_login, queued_report, sessionmaker
):
    report_id = await queued_report()
    await console_login()
    for data in ({}, {"csrf_token": "forged"}):
        answer = await client.post(f"/console/reports/{report_id}/claim", data=data)
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("text/html")
    async with sessionmaker() as session:
        report = await session.scalar(select(Report).where(Report.id == uuid.UUID(report_id)))
    assert report.status == ReportStatus.QUEUED and report.claimed_by is None


async def test_error_pages_are_html_and_never_show_report_text(
    client, console_login, make_moderator, queued_report
):
    text = "The secret farm is behind the old mill on route 9."
    report_id = await queued_report(text=text)
    other = await make_moderator("bo")
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=other)
    csrf = await console_login("ana")

    taken = await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})
    assert taken.status_code == 409
    assert taken.headers["content-type"].startswith("text/html")
    assert "Another moderator is reviewing this report" in taken.text
    assert "secret farm" not in taken.text

    for path in (f"/console/reports/{uuid.uuid4()}", "/console/reports/not-a-uuid", "/console/x"):
        missing = await client.get(path)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "Content-Security-Policy" in missing.headers


async def test_every_console_answer_carries_the_security_headers(client, console_login):
    await console_login()
    for path in ("/console/queue", "/console/login", "/console/static/console.css", "/console/x"):
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"


async def test_the_languages_page_lists_what_can_be_translated(
    client, console_login, install_spanish
):
    await console_login()
    page = (await client.get("/console/languages")).text
    assert "Can be translated into English (en)" in page
    assert "<li>Spanish (es)</li>" in page
