"""HTML forms to the same validated inputs the JSON API takes.

A browser sends strings (and leaves out unticked checkboxes); these helpers turn a form
into the dict the API's schemas validate, so both surfaces accept exactly the same
decisions. Errors come back per field in words, without echoing the submitted values
into anything but the moderator's own form.

The incident form (approve, and a lead's correction) names its fields after the JSON it
becomes: a fact is `exploitation_types.ForcedLabour` = `yes` / `no` / `not_reported`,
an event is `events.0.type`, `events.0.place`, … (blank event slots are left out), and
an error on `events[1].country` of the validated data is shown beside the form's
`events.<its slot>.country`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError, field_validator
from starlette.datastructures import FormData

from console.auth import CSRF_FIELD
from console.facts import GROUPS_BY_NAME
from hub.facts import TriState
from hub.fields import MAX_EVENTS, IncidentFieldsIn
from moderation.schemas import MergeIn

Model = TypeVar("Model", bound=BaseModel)
Location = tuple[int | str, ...]

#: The incident form's single-value fields, besides facts and events.
INCIDENT_TEXT_FIELDS = ("summary", "confidence", "people_affected", "citizenships")
#: One event's fields; `place` always has a value (a radio), so it never makes a slot count.
EVENT_FIELDS = ("type", "place", "country", "region", "date_from", "date_to")
_EVENT_FACTS = tuple(name for name in EVENT_FIELDS if name != "place")
#: Event slots the form offers at least (a correction with more events offers one more).
EVENT_SLOTS = 3
#: `trafficking_status` "not reported" (the field's default is "possible victim").
NOT_REPORTED = TriState.NOT_REPORTED.value
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")
_REPORT_ID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


@dataclass
class FormResult(Generic[Model]):
    """A validated input, or the errors to show beside the fields (`""` is the form itself)."""

    value: Model | None
    errors: dict[str, str] = field(default_factory=dict)


def _first(location: Location) -> str:
    return str(location[0]) if location else ""


def validate(
    model: type[Model],
    data: dict[str, object],
    locate: Callable[[Location], str] = _first,
) -> FormResult[Model]:
    """`data` validated by `model`; on errors, one message per form field (`locate` names
    the field of an error's location; by default its first part)."""
    try:
        return FormResult(model.model_validate(data))
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            name = locate(tuple(item["loc"]))
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "missing" and name.endswith(".type"):
                message = "Choose the stage of trafficking, or clear this event."
            errors.setdefault(name, message)
        return FormResult(None, errors)


def text_fields(form: Mapping[str, object], names: Sequence[str]) -> dict[str, object]:
    """Named single-value fields of a posted form or a GET form's query string; blank ones
    are left out (the schema's default applies)."""
    values: dict[str, object] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()
    return values


def html_id(form_name: str, name: str) -> str:
    """The element id of a form's field: `approve-events_0_country`."""
    return f"{form_name}-{_NOT_ID.sub('_', name)}"


def _event_slots(form: FormData) -> list[tuple[int, dict[str, object]]]:
    """The filled event slots, each with its number in the form."""
    slots = []
    for slot in range(MAX_EVENTS):
        event = text_fields(form, [f"events.{slot}.{name}" for name in EVENT_FIELDS])
        event = {key.rsplit(".", 1)[1]: value for key, value in event.items()}
        if any(name in event for name in _EVENT_FACTS):
            slots.append((slot, event))
    return slots


def incident_data(form: FormData) -> dict[str, object]:
    """The incident form as `IncidentFieldsIn` data (the JSON the API takes)."""
    data = text_fields(form, INCIDENT_TEXT_FIELDS)
    status = form.get("trafficking_status")
    if isinstance(status, str) and status:
        data["trafficking_status"] = None if status == NOT_REPORTED else status
    if isinstance(citizenships := data.get("citizenships"), str):
        data["citizenships"] = [code for code in _LIST_SEPARATORS.split(citizenships) if code]
    for key in form:
        group, _, value = key.partition(".")
        state = form.get(key)
        if group in GROUPS_BY_NAME and value and state != NOT_REPORTED:
            facts = data.setdefault(group, {})
            assert isinstance(facts, dict)
            facts[value] = state
    data["events"] = [event for _, event in _event_slots(form)]
    data["shared_media"] = [value for value in form.getlist("shared_media") if value]
    return data


def _incident_field(slots: list[int]) -> Callable[[Location], str]:
    """Where an error in the validated data is shown: the form field it came from."""

    def locate(location: Location) -> str:
        name = _first(location)
        if name == "events" and len(location) >= 2 and isinstance(location[1], int):
            slot = f"events.{slots[location[1]]}"
            inner = str(location[2]) if len(location) >= 3 else ""
            return f"{slot}.{inner}" if inner in EVENT_FIELDS else slot
        if name in GROUPS_BY_NAME and len(location) == 2:
            return f"{name}.{location[1]}"  # a state that is not yes / no / not reported
        return name  # an unknown value of a group, or an item of a list field

    return locate


def validate_incident(form: FormData) -> FormResult[IncidentFieldsIn]:
    """The incident form validated by the API's own model, errors by form field."""
    slots = [slot for slot, _ in _event_slots(form)]
    return validate(IncidentFieldsIn, incident_data(form), _incident_field(slots))


def form_values(form: FormData, lists: Sequence[str] = ()) -> dict[str, object]:
    """What the moderator typed, to put back into the form after an error (`lists`: the
    fields that may hold several values; present even when nothing was ticked)."""
    values: dict[str, object] = {
        key: form.get(key) for key in form if key != CSRF_FIELD and key not in lists
    }
    values.update({name: form.getlist(name) for name in lists})
    return values


def incident_values(form: FormData) -> dict[str, object]:
    """The incident form as typed, for showing it again."""
    return form_values(form, lists=("shared_media",))


class MergeForm(MergeIn):
    """`MergeIn` from the report page: `into` is a suggestion's id, or what a moderator
    pasted, the other report's id or its console link (`/console/reports/<id>`)."""

    @field_validator("into", mode="before")
    @classmethod
    def _id_in_link(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        found = _REPORT_ID.search(value)
        if found is None:
            raise ValueError("Paste the other report's id, or its link from the console.")
        return found[0]
