"""SQLModel tables, one module per table; importing this package registers them all."""

from models.audit import AuditEvent
from models.base import metadata
from models.hub_client import HubClient
from models.incident import FeedCounter, Incident, IncidentChange
from models.media import Media, MediaKind
from models.message import MessageSender, ReportMessage
from models.moderator import Moderator, ModeratorRole, ModeratorSession
from models.report import Report, ReportStatus, TranslationStatus

__all__ = [
    "AuditEvent",
    "FeedCounter",
    "HubClient",
    "Incident",
    "IncidentChange",
    "Media",
    "MediaKind",
    "MessageSender",
    "Moderator",
    "ModeratorRole",
    "ModeratorSession",
    "Report",
    "ReportMessage",
    "ReportStatus",
    "TranslationStatus",
    "metadata",
]
