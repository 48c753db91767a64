"""Every incident the feed can carry validates against the JSON Schema it publishes:
hypothesis writes the moderator's input (as JSON, through the real form model), the
content is built at every generalisation level, and jsonschema checks the envelope."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.settings import Settings
from hub.coarse import Level, window
from hub.content import Source, build
from hub.facts import TriState
from hub.fields import IncidentFieldsIn
from hub.json_schema import incident_schema, incident_schema_json
from hub.schemas import IncidentOut
from models.vocabulary import (
    AgeBand,
    ControlMethod,
    ExploitationType,
    Gender,
    Indicator,
    TraffickingEventType,
    WebsiteOrApp,
)

SCHEMA_FILE = Path(__file__).parents[2] / "docs" / "hub" / "incident.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(incident_schema())


def facts(vocabulary):
    return st.dictionaries(
        st.sampled_from([member.value for member in vocabulary]),
        st.sampled_from([state.value for state in TriState]),
    )


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
countries = st.sampled_from(["MX", "MEX", "gb", "NOR", "ng", "PHL", "th", "UKR"])
events = st.fixed_dictionaries(
    {"type": st.sampled_from([kind.value for kind in TraffickingEventType])},
    optional={
        "place": st.sampled_from(["cell", "country", "none"]),
        "country": countries,
        "date_from": days.map(str),
    },
)
region_events = st.fixed_dictionaries(
    {
        "type": st.just("Transit"),
        "place": st.just("region"),
        "region": st.sampled_from(["MX-CMX", "GB-ENG", "NO-03", "NG-LA"]),
    }
)
moderator_input = st.fixed_dictionaries(
    {
        "summary": st.text(
            st.characters(exclude_characters="\x00", exclude_categories=["Cs"]),
            min_size=1,
            max_size=80,
        ).filter(str.strip)
    },
    optional={
        "trafficking_status": st.sampled_from(
            [None, "PossibleVictimOfTrafficking", "NotAVictimOfTrafficking"]
        ),
        "confidence": st.sampled_from([None, "low", "medium", "high"]),
        "exploitation_types": facts(ExploitationType),
        "control_methods": facts(ControlMethod),
        "recruitment_websites_and_apps": facts(WebsiteOrApp),
        "genders": facts(Gender),
        "age_bands": facts(AgeBand),
        "indicators": facts(Indicator),
        "citizenships": st.lists(countries, max_size=3),
        "people_affected": st.none() | st.integers(min_value=0, max_value=100_000),
        "events": st.lists(events | region_events, max_size=4),
        # the first version of the form, still accepted
        "types_of_exploitation": st.lists(st.sampled_from(list(ExploitationType)), max_size=3),
        "victims_estimate": st.integers(min_value=0, max_value=500),
    },
)
points = st.none() | st.tuples(
    st.floats(min_value=-89.9, max_value=89.9), st.floats(min_value=-179.9, max_value=179.9)
)
languages = st.sampled_from([None, "es", "ur-Latn", "zh-cn", "xx", "tl", "en"])


@cache
def configured(resolution: int, unit: str) -> Settings:
    return Settings(
        _env_file=None, hub_cell_resolution=resolution, hub_time_window=unit, hub_rarity_k=5
    )


# 600 inputs, each built and validated at the four levels: 2,400 feed items.
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    moderator_input,
    points,
    languages,
    st.booleans(),
    st.integers(min_value=0, max_value=10),
    st.sampled_from(["month", "quarter", "year"]),
)
def test_every_generated_incident_validates_against_the_published_schema(
    data, point, language, urgent, resolution, unit
):
    fields = IncidentFieldsIn.model_validate_json(json.dumps(data))
    source = Source(urgent=urgent, language=language, point=point)
    for level in Level:
        content = build(
            fields,
            source,
            configured(resolution, unit),
            level,
            released_by_lead=level == Level.WIDEST,
        )
        item = IncidentOut.model_validate(
            {
                "incident_id": uuid.uuid4(),
                "version": 1,
                "change": "published",
                "published_at": datetime(2026, 11, 30, 6, tzinfo=UTC),
                "incident": content,
            }
        )
        VALIDATOR.validate(json.loads(item.model_dump_json()))
        # Nothing categorical is ever an empty list that could mean yes, no or unknown.
        assert content["events"] == "not_reported" or content["events"]
        assert content["people"] == "withheld" or content["people"]["citizenship"] != []
        for known in data.get("exploitation_types", {}).items():
            assert content["exploitation_types"][known[0]] in {known[1], "yes"}


def test_tombstones_and_scrubbed_versions_validate_too():
    for change, scrubbed, retraction in [
        ("retracted", False, {"reason": "reidentification_risk"}),
        ("published", True, None),
    ]:
        item = IncidentOut(
            incident_id=uuid.uuid4(),
            version=2,
            change=change,
            published_at=datetime(2026, 11, 30, 6, tzinfo=UTC),
            incident=None,
            scrubbed=scrubbed,
            retraction=retraction,
        )
        VALIDATOR.validate(json.loads(item.model_dump_json()))


def test_the_schema_refuses_an_empty_list_and_a_missing_fact():
    fields = IncidentFieldsIn(summary="Two men held at a farm.")
    content = build(fields, Source(False, "es", None), Settings(_env_file=None), Level.FINE)
    item = {
        "schema_version": "2.0",
        "incident_id": str(uuid.uuid4()),
        "version": 1,
        "change": "published",
        "published_at": "2026-11-30T06:00:00Z",
        "incident": content,
    }
    VALIDATOR.validate(item)
    assert content["exploitation_types"]["ForcedLabour"] == "not_reported"
    for broken in (
        {**content, "events": []},
        {**content, "exploitation_types": {"ForcedLabour": "yes"}},
        {**content, "people": {**content["people"], "citizenship": []}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            VALIDATOR.validate({**item, "incident": broken})


def test_the_schema_file_in_the_repository_is_the_published_one():
    assert SCHEMA_FILE.read_bytes() == incident_schema_json(), (
        "regenerate it: python -m hub.json_schema > docs/hub/incident.schema.json"
    )


@pytest.mark.parametrize(
    ("first", "last", "unit", "start", "end"),
    [
        (date(2024, 5, 3), None, "month", "2024-05-01", "2024-05-31"),
        (date(2024, 2, 10), date(2024, 3, 2), "month", "2024-02-01", "2024-03-31"),
        (date(2024, 5, 3), date(2024, 5, 3), "quarter", "2024-04-01", "2024-06-30"),
        (None, date(2023, 12, 31), "year", "2023-01-01", "2023-12-31"),
    ],
)
def test_dates_leave_as_whole_windows(first, last, unit, start, end):
    assert window(first, last, unit) == {"unit": unit, "start": start, "end": end}
