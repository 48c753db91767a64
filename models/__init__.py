"""SQLModel tables, one module per table; importing this package registers them all."""

from models.app_check import AppCheckTokenUse
from models.audit import AuditEvent
from models.base import metadata
from models.hub_client import HubClient
from models.incident import FeedCounter, Incident, IncidentChange
from models.media import Media, MediaKind
from models.message import MessageSender, ReportMessage
from models.moderator import Moderator, ModeratorRole, ModeratorSession
from models.report import Report, ReportStatus, TranslationStatus
from models.upload import Upload, UploadStatus

__all__ = [
    "AppCheckTokenUse",
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
    "Upload",
    "UploadStatus",
    "metadata",
]
