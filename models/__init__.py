"""SQLModel tables, one module per table; importing this package registers them all."""

from models.aggregate_release import AggregateRelease
from models.alert import UrgentAlert
from models.app_check import AppCheckTokenUse
from models.audit import AuditEvent
from models.base import metadata
from models.hub_client import HubClient
from models.incident import FeedCounter, Incident, IncidentChange, IncidentRarity
from models.login_failure import LoginFailure
from models.media import Media, MediaKind
from models.message import MessageSender, ReportMessage
from models.moderator import Moderator, ModeratorRole, ModeratorSession
from models.rate_limit import RateLimitBucket, RateLimitKey
from models.recovery_code import RecoveryCode
from models.redaction import Redaction, RedactionReason, RedactionTarget
from models.report import Report, ReportStatus, TranslationStatus
from models.report_band import ReportBand
from models.scheduled_run import ScheduledRun
from models.second_factor import ModeratorTotp
from models.secret_key_check import SecretKeyCheck
from models.stage_timing import StageTiming
from models.tag import ReportTag
from models.upload import Upload, UploadStatus
from models.webhook import DeliveryStatus, WebhookDelivery, WebhookEvent

__all__ = [
    "AggregateRelease",
    "AppCheckTokenUse",
    "AuditEvent",
    "DeliveryStatus",
    "FeedCounter",
    "HubClient",
    "Incident",
    "IncidentChange",
    "IncidentRarity",
    "LoginFailure",
    "Media",
    "MediaKind",
    "MessageSender",
    "Moderator",
    "ModeratorRole",
    "ModeratorSession",
    "ModeratorTotp",
    "RateLimitBucket",
    "RateLimitKey",
    "RecoveryCode",
    "Redaction",
    "RedactionReason",
    "RedactionTarget",
    "Report",
    "ReportBand",
    "ReportMessage",
    "ReportStatus",
    "ReportTag",
    "ScheduledRun",
    "SecretKeyCheck",
    "StageTiming",
    "TranslationStatus",
    "Upload",
    "UploadStatus",
    "UrgentAlert",
    "WebhookDelivery",
    "WebhookEvent",
    "metadata",
]
