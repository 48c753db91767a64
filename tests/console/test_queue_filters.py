"""The console's queue page over HTTP: the filter form (a GET form whose every field has a
label), the search box, the next-page link that keeps the filters, the urgent banner, and
a bad filter shown beside its field."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.test_queue_search import BEGGING, SPANISH, VAN, set_columns

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

REPORT_LINK = re.compile(r'href="/console/reports/([0-9a-f-]{36})"')


def listed(page: str) -> list[str]:
    """The report ids in the queue table, in order."""
    return REPORT_LINK.findall(page)


class _Form(HTMLParser):
    """The queue's filter form: its method, its controls' ids, and the labels' targets."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.method = ""
        self.controls: dict[str, str] = {}  # id → name
        self.labelled: set[str] = set()
        self.fieldsets = 0
        self.legends = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and "filters" in (found.get("class") or ""):
            self.inside, self.method = True, found.get("method") or ""
        if not self.inside:
            return
        if tag in ("input", "select") and found.get("type") != "checkbox":
            self.controls[found.get("id") or ""] = found.get("name") or ""
        if tag == "label" and found.get("for"):
            self.labelled.add(found["for"] or "")
        self.fieldsets += tag == "fieldset"
        self.legends += tag == "legend"

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


async def test_the_filter_form_is_a_labelled_get_form(client, console_login):
    await console_login()
    page = (await client.get("/console/queue")).text
    form = _Form()
    form.feed(page)
    assert form.method == "get"
    assert set(form.controls.values()) == {
        "q",
        "language",
        "category",
        "country",
        "urgent",
        "has_media",
        "received_from",
        "received_to",
        "tag",
        "claimed",
    }
    assert "" not in form.controls and set(form.controls) <= form.labelled
    assert form.fieldsets == form.legends == 1  # the status checkboxes are one group
    assert 'type="search"' in page and "Apply filters" in page


async def test_filters_and_search_narrow_the_page_and_stay_in_the_form(
    client, console_login, queued_report, sessionmaker
):
    await console_login()
    van = await queued_report(text=VAN, urgent=True, country="MX")
    begging = await queued_report(text=BEGGING, country="GB")
    spanish = await queued_report(text=SPANISH, locale="es-MX")
    await set_columns(sessionmaker, spanish, translated_text="They took our passports.")

    page = (await client.get("/console/queue")).text
    assert listed(page)[0] == van and sorted(listed(page)) == sorted([van, begging, spanish])

    answer = await client.get("/console/queue", params={"country": "gb"})
    assert listed(answer.text) == [begging]
    assert 'name="country" value="gb"' in answer.text  # what was typed stays in the form

    answer = await client.get("/console/queue", params={"q": "passports"})
    assert listed(answer.text) == [spanish]  # a word of the translation only
    assert 'value="passports"' in answer.text

    answer = await client.get("/console/queue", params={"language": "es", "q": "van"})
    assert listed(answer.text) == []
    assert "No reports match these filters." in answer.text
    assert "Clear filters" in answer.text


async def test_the_next_page_link_keeps_the_filters(client, console_login, queued_report):
    await console_login()
    made = [await queued_report(text=f"{BEGGING} Number {n}.") for n in range(5)]
    await queued_report(text=VAN)

    seen: list[str] = []
    link = "/console/queue?q=beg&limit=2"
    for _ in range(5):
        answer = await client.get(link)
        assert answer.status_code == 200
        seen += listed(answer.text)
        found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', answer.text)
        if not found:
            break
        link = html.unescape(found.group(1))
        query = parse_qs(urlsplit(link).query)
        assert query["q"] == ["beg"] and query["limit"] == ["2"] and query["after"]
    # Received in the same minute, they come in id order; each once, the van never.
    assert sorted(seen) == sorted(made)
    assert "First page" in answer.text


async def test_a_view_that_hides_urgent_reports_says_so(client, console_login, queued_report):
    await console_login()
    await queued_report(text=VAN, urgent=True)
    await queued_report(text=f"{VAN} Again.", urgent=True)
    await queued_report(text=SPANISH, locale="es-MX")

    everything = (await client.get("/console/queue")).text
    assert "urgent-banner" not in everything  # both are on the page

    spanish_only = (await client.get("/console/queue", params={"language": "es"})).text
    assert "2 urgent reports are waiting outside this view." in spanish_only
    assert 'href="/console/queue?urgent=true">Show the urgent reports</a>' in spanish_only

    one_per_page = (await client.get("/console/queue", params={"limit": "1"})).text
    assert "1 urgent report is waiting outside this view." in one_per_page

    urgent = (await client.get("/console/queue", params={"urgent": "true"})).text
    assert "urgent-banner" not in urgent and len(listed(urgent)) == 2


async def test_a_bad_filter_is_shown_beside_its_field(client, console_login, queued_report):
    await console_login()
    await queued_report(text=VAN, urgent=True)
    answer = await client.get("/console/queue", params={"country": "Mexico", "q": "van"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="filter-country" name="country" value="Mexico"' in answer.text
    assert 'aria-invalid="true" aria-describedby="filter-country-error"' in answer.text
    assert 'id="filter-country-error"' in answer.text
    assert listed(answer.text) == []
    # The urgent report is still announced while the form is wrong.
    assert "1 urgent report is waiting outside this view." in answer.text

    bad_cursor = await client.get("/console/queue", params={"after": "nonsense"})
    assert bad_cursor.status_code == 422
    assert "The cursor is not one this queue gave out" in bad_cursor.text
