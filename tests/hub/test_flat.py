"""The CSV export's row of an incident: fixed columns, CTDC's one column per value, and
"withheld" spelled out where the schema withholds a whole group."""

from __future__ import annotations

from hub.flat import COLUMNS, _people, flat_row
from hub.schemas import INCIDENT_EXAMPLE, IncidentOut


def test_the_example_incident_fills_its_columns():
    row = dict(zip(COLUMNS, flat_row(IncidentOut.model_validate(INCIDENT_EXAMPLE)), strict=True))
    assert len(COLUMNS) == len(set(COLUMNS))
    assert row["exploitation_types.ForcedLabour"] == "yes"
    assert row["exploitation_types.SexualExploitation"] == "no"
    assert row["exploitation_types.ChildLabour"] is None  # not reported: an empty cell
    assert row["forced_labour_industries.C_Manufacturing"] == "yes"
    assert row["urgent"] == "yes"
    assert row["people.ages.scheme"] in ("ctdc_age_broad", "minor_adult")


def test_a_withheld_group_says_so_in_each_of_its_columns():
    people = _people("withheld")
    assert people and set(people.values()) == {"withheld"}
    assert "people.genders.Woman" in people and "people.citizenship" in people
