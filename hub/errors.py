"""Errors the hub client can meet."""

from core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized


class InvalidHubKey(Unauthorized):
    slug = "invalid-hub-key"
    title = "Missing or unknown hub API key"


class InvalidCursor(InvalidInput):
    slug = "invalid-cursor"
    title = "The cursor is not one this feed gave out"


class NoIncident(Conflict):
    slug = "no-incident"
    title = "This report has no published incident"


class IncidentRetracted(Conflict):
    slug = "incident-retracted"
    title = "The incident was retracted; it cannot change any more"


class HubScopeMissing(Forbidden):
    slug = "hub-scope-missing"
    title = "The hub client's scopes do not include this"


class UnknownSharedMedia(InvalidInput):
    slug = "unknown-shared-media"
    title = "A shared media id is not one of this report's media"


class UnknownDimension(InvalidInput):
    slug = "unknown-dimension"
    title = "Aggregates cannot be grouped by that"


class InvalidAggregateQuery(InvalidInput):
    slug = "invalid-aggregate-query"
    title = "The aggregate query cannot be answered as asked"


class PrivacyBudgetSpent(TooManyRequests):
    slug = "privacy-budget-spent"
    title = "The privacy budget for aggregates is spent for now"


class InvalidExportFilter(InvalidInput):
    slug = "invalid-export-filter"
    title = "An export filter is not valid"


class SharedMediaNotFound(NotFound):
    slug = "shared-media-not-found"
    title = "No live incident shares this media"


class MediaLinkRefused(Forbidden):
    slug = "media-link-refused"
    title = "The media link has expired or is not one this service signed"
