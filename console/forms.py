"""HTML forms to the same validated inputs the JSON API takes.

A browser sends strings (and leaves out unticked checkboxes); these helpers turn a form
into the dict the API's schemas validate, so both surfaces accept exactly the same
decisions. Errors come back per field in words, without echoing the submitted values
into anything but the moderator's own form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from console.auth import CSRF_FIELD

Model = TypeVar("Model", bound=BaseModel)

INCIDENT_TEXT_FIELDS = ("summary", "event_type", "country", "city", "date_from", "date_to")


@dataclass
class FormResult(Generic[Model]):
    """A validated input, or the errors to show beside the fields (`""` is the form itself)."""

    value: Model | None
    errors: dict[str, str] = field(default_factory=dict)


def validate(model: type[Model], data: dict[str, object]) -> FormResult[Model]:
    try:
        return FormResult(model.model_validate(data))
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else ""
            message = str(item["msg"]).removeprefix("Value error, ")
            errors.setdefault(name, message)
        return FormResult(None, errors)


def text_fields(form: FormData, names: tuple[str, ...]) -> dict[str, object]:
    """Named single-value fields; blank ones are left out (the schema's default applies)."""
    values: dict[str, object] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value
    return values


def incident_data(form: FormData) -> dict[str, object]:
    """The approval form as `IncidentFieldsIn` data."""
    data = text_fields(form, INCIDENT_TEXT_FIELDS)
    data["types_of_exploitation"] = [v for v in form.getlist("types_of_exploitation") if v]
    data["include_location"] = form.get("include_location") == "yes"
    victims = form.get("victims_estimate")
    if isinstance(victims, str) and victims.strip():
        data["victims_estimate"] = victims.strip()
    return data


def form_values(form: FormData) -> dict[str, object]:
    """What the moderator typed, to put back into the form after an error."""
    values: dict[str, object] = {
        key: form.get(key) for key in form if key not in (CSRF_FIELD, "types_of_exploitation")
    }
    values["types_of_exploitation"] = form.getlist("types_of_exploitation")
    return values
