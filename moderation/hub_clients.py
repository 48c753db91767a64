"""Changes to hub clients and their webhooks, audited like changes to accounts.

`hub.clients` and `hub.webhooks` make the changes; the hub layer cannot import the audit
trail, so these wrappers take the client's state before and after and record the
difference, in the change's own transaction, with the actor (`by`, None on the command line)
and `via` (`cli`). What the trail may hold about a client:

- its name, scopes, whether it is active, until when a rotated-out key still works;
- a key or a webhook signing secret only as `"(secret)"`: a new one shows as
  `[null, "(secret)"]` or `["(secret)", "(secret)"]`, never its value or its hash;
- the webhook by its origin (`https://hub.example.org:8443`) and the full URL by length only
  (`{"chars": 52}`): paths and queries often carry a receiver's own token, and the trail is
  append-only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from core.hashing import KeyedHasher
from hub import clients, webhooks
from models.hub_client import HubClient, HubScope
from models.moderator import Moderator
from moderation import audit
from moderation.audit import SECRET, AuditAction, Concealed

T = TypeVar("T")


def _origin(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"  # never the user:password@ of a URL


def client_state(client: HubClient) -> audit.State:
    """What an operator changes on a hub client, as the audit trail records it."""
    return {
        "name": client.name,
        "scopes": sorted(client.scopes),
        "is_active": client.is_active,
        "previous_key_valid_until": client.previous_key_expires_at,
        "webhook_origin": _origin(client.webhook_url),
        "webhook_url": Concealed(client.webhook_url) if client.webhook_url else None,
        "webhook_secret": SECRET if client.webhook_secret_sealed is not None else None,
    }


async def _audited(
    session: AsyncSession,
    name: str,
    action: AuditAction,
    change: Callable[[], Awaitable[T]],
    *,
    by: Moderator | None,
    via: str,
    renewed: Iterable[str] = (),
) -> T:
    """`change` on the named client, audited with what it changed; `renewed` names the
    secrets it replaced (equal as recorded, so the diff alone would not show them)."""
    before = client_state(await clients.find_hub_client(session, name))
    result = await change()
    client = await clients.find_hub_client(session, name)
    changes: dict[str, list[Any]] = audit.diff(before, client_state(client))
    changes.update({field: [SECRET, SECRET] for field in renewed})
    await audit.record(session, by, action, changes=changes, hub_client=client.name, via=via)
    return result


async def add(
    session: AsyncSession,
    hasher: KeyedHasher,
    name: str,
    scopes: Iterable[HubScope],
    *,
    by: Moderator | None,
    via: str,
) -> str:
    """Create the client (see `hub.clients.create_hub_client`); its key, to show once."""
    key = await clients.create_hub_client(session, hasher, name, scopes)
    client = await clients.find_hub_client(session, name)
    changes = audit.diff({}, client_state(client)) | {"key": [None, SECRET]}
    await audit.record(
        session, by, AuditAction.HUB_CLIENT_CREATED, changes=changes, hub_client=name, via=via
    )
    return key


async def rotate_key(
    session: AsyncSession,
    hasher: KeyedHasher,
    name: str,
    overlap: timedelta,
    *,
    by: Moderator | None,
    via: str,
) -> tuple[str, datetime]:
    return await _audited(
        session,
        name,
        AuditAction.HUB_CLIENT_KEY_ROTATED,
        lambda: clients.rotate_key(session, hasher, name, overlap),
        by=by,
        via=via,
        renewed=("key",),
    )


async def revoke(session: AsyncSession, name: str, *, by: Moderator | None, via: str) -> None:
    await _audited(
        session,
        name,
        AuditAction.HUB_CLIENT_REVOKED,
        lambda: clients.revoke(session, name),
        by=by,
        via=via,
    )


async def set_scopes(
    session: AsyncSession,
    name: str,
    scopes: Iterable[HubScope],
    *,
    by: Moderator | None,
    via: str,
) -> HubClient:
    return await _audited(
        session,
        name,
        AuditAction.HUB_CLIENT_SCOPES_CHANGED,
        lambda: clients.set_scopes(session, name, scopes),
        by=by,
        via=via,
    )


async def set_webhook(
    session: AsyncSession,
    hasher: KeyedHasher,
    name: str,
    url: str,
    *,
    by: Moderator | None,
    via: str,
) -> str | None:
    return await _audited(
        session,
        name,
        AuditAction.HUB_WEBHOOK_SET,
        lambda: webhooks.set_webhook(session, hasher, name, url),
        by=by,
        via=via,
    )


async def clear_webhook(
    session: AsyncSession, name: str, *, by: Moderator | None, via: str
) -> None:
    await _audited(
        session,
        name,
        AuditAction.HUB_WEBHOOK_CLEARED,
        lambda: webhooks.clear_webhook(session, name),
        by=by,
        via=via,
    )


async def rotate_webhook_secret(
    session: AsyncSession, hasher: KeyedHasher, name: str, *, by: Moderator | None, via: str
) -> str:
    return await _audited(
        session,
        name,
        AuditAction.HUB_WEBHOOK_SECRET_ROTATED,
        lambda: webhooks.rotate_secret(session, hasher, name),
        by=by,
        via=via,
        renewed=("webhook_secret",),
    )
