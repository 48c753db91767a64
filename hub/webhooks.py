"""A hub client's webhook: its URL, its signing secret, and the signed message of one
incident version in the Standard Webhooks format.

The secret (`whsec_` and 32 random bytes in base64) is shown to the operator once, when it
is made, and kept sealed (`core.sealing`, with the client's id as context): the worker must
sign with the secret itself, so it cannot be stored as a hash. The message is built when it
is sent, from the version as it is then: a version scrubbed by a retraction goes out with
no content, even if it was published (and queued) before the retraction.
"""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from core.errors import Conflict, InvalidInput
from core.hashing import KeyedHasher
from core.sealing import Sealer, Unsealable
from core.settings import Settings
from hub import outbox
from hub.clients import HubClientRevoked, find_hub_client
from hub.feed import incident_out
from hub.schemas import IncidentOut
from models.hub_client import HubClient
from models.incident import Incident
from models.webhook import WebhookEvent

log = logging.getLogger("stop.hub.webhooks")

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
_SEALING_PURPOSE = "webhook-secret"
_MAX_URL = 2048


class InvalidWebhookUrl(InvalidInput):
    slug = "invalid-webhook-url"
    title = "A webhook URL is an absolute http or https URL"


class NoWebhook(Conflict):
    slug = "no-webhook"
    title = "The hub client has no webhook"


class WebhookEventType(StrEnum):
    """The message's `type`: what happened to the incident."""

    PUBLISHED = "incident.published"
    CORRECTED = "incident.corrected"
    RETRACTED = "incident.retracted"


class WebhookMessage(BaseModel):
    """The body of a webhook: Standard Webhooks' `type`, `timestamp` and `data`, where
    `data` is the feed item, and the item's feed `sequence` (to ask for a replay from)."""

    model_config = ConfigDict(extra="forbid")

    type: WebhookEventType = Field(description="incident.published, .corrected or .retracted.")
    timestamp: datetime = Field(description="The hour the version was published (UTC).")
    sequence: int = Field(ge=1, description="The version's place in the feed, for a replay.")
    data: IncidentOut = Field(description="The version exactly as the feed gives it now.")


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def checked_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > _MAX_URL:
        raise InvalidWebhookUrl(
            "A webhook URL is an absolute http(s) URL of at most 2048 characters."
        )
    return url.strip()


def _sealer(hasher: KeyedHasher) -> Sealer:
    return Sealer(hasher, _SEALING_PURPOSE)


def _seal(hasher: KeyedHasher, client: HubClient, secret: str) -> str:
    return _sealer(hasher).seal(secret, str(client.id))


def secret_of(hasher: KeyedHasher, client: HubClient) -> str | None:
    """The client's signing secret, or None without one or when it does not open (the
    server's secret key changed: rotate the webhook secret)."""
    if client.webhook_secret_sealed is None:
        return None
    try:
        return _sealer(hasher).open(client.webhook_secret_sealed, str(client.id))
    except Unsealable:
        log.warning("a webhook secret does not open with the secret key; rotate it")
        return None


async def _active(session: AsyncSession, name: str) -> HubClient:
    client = await find_hub_client(session, name)
    if not client.is_active:
        raise HubClientRevoked(f"The hub client {name!r} is revoked.")
    return client


async def set_webhook(
    session: AsyncSession, hasher: KeyedHasher, name: str, url: str
) -> str | None:
    """Point the client's webhook at `url`. A client without a secret gets one, returned
    (to show once); changing the URL keeps the secret (None). Versions published from now
    on are sent there; earlier ones only on a replay."""
    client = await _active(session, name)
    client.webhook_url = checked_url(url)
    secret = None
    if client.webhook_secret_sealed is None:
        secret = new_secret()
        client.webhook_secret_sealed = _seal(hasher, client, secret)
    session.add(client)
    await session.flush()
    return secret


async def clear_webhook(session: AsyncSession, name: str) -> None:
    """No more pushes to the client: its URL and secret go, and what was still to be sent."""
    client = await find_hub_client(session, name)
    client.webhook_url = None
    client.webhook_secret_sealed = None
    session.add(client)
    await outbox.drop_pending(session, client.id)
    await session.flush()


async def rotate_secret(session: AsyncSession, hasher: KeyedHasher, name: str) -> str:
    """A new signing secret, used from the next attempt on; returned to show once."""
    client = await webhook_client(session, name)
    secret = new_secret()
    client.webhook_secret_sealed = _seal(hasher, client, secret)
    session.add(client)
    await session.flush()
    return secret


async def webhook_client(session: AsyncSession, name: str) -> HubClient:
    """The named active client, which must have a webhook."""
    client = await _active(session, name)
    if client.webhook_url is None:
        raise NoWebhook(f"The hub client {name!r} has no webhook; set one first.")
    return client


def webhook_id(event: WebhookEvent) -> str:
    """The `webhook-id` of an event: the same on every attempt and replay, to every client."""
    return f"msg_{event.id.hex}"


def message(event: WebhookEvent, incident: Incident, settings: Settings) -> bytes:
    """The body of the event's webhook, built from the version as it is now."""
    item = incident_out(incident, settings)
    return (
        WebhookMessage(
            type=WebhookEventType(f"incident.{item.change.value}"),
            timestamp=item.published_at,
            sequence=event.sequence,
            data=item,
        )
        .model_dump_json()
        .encode()
    )


def signed_headers(secret: str, message_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (the timestamp is the attempt's)."""
    signature = Webhook(secret).sign(message_id, now, body.decode())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
