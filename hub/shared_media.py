"""Media a moderator shared with the hub, downloaded through short-lived signed links.

Only a file listed in the `media` of an incident's latest version, while that incident is
live (not retracted), is shared; anything else is a 404 `shared-media-not-found`, whoever
asks. A hub client with `media:read` asks for a link (`link_for`) and downloads the file
with it, without its API key, until the link expires (`STOP_HUB_MEDIA_LINK_SECONDS`):

- with S3 storage the link is an S3 presigned URL: S3 serves the bytes and checks the
  expiry; this service is not asked again, so a retraction cannot end a link already
  given, and the short expiry is what bounds it;
- with a local media folder the link is a URL of this service,
  `/v1/hub/media/{id}?expires=…&signature=…`, the signature an HMAC of the id and the
  expiry under the service's secret key (`KeyedHasher`, its own purpose label). On
  download the signature is compared in constant time, the expiry checked (403
  `media-link-refused` for either), and the incident checked again, so a retraction ends
  every link at once (404).
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.hashing import KeyedHasher
from core.settings import Settings
from core.storage import AsyncMediaStorage
from hub.errors import MediaLinkRefused, SharedMediaNotFound
from hub.publishing import latest
from hub.schemas import MediaLinkOut
from models.incident import IncidentChange
from models.media import Media

LINK_PURPOSE = "hub-media-link"
MAX_LINK_EXPIRY = 253_402_300_799  # 9999-12-31: a larger `expires` is not a time


def _listed(payload: dict[str, Any], media_id: uuid.UUID) -> bool:
    return any(entry.get("media_id") == str(media_id) for entry in payload.get("media") or ())


async def published_media(session: AsyncSession, report_id: uuid.UUID) -> set[uuid.UUID]:
    """The report's media that the latest version of its live incident lists: the hub may
    still ask for them, so the retention purge keeps them."""
    incident = await latest(session, report_id)
    if incident is None or incident.change == IncidentChange.RETRACTED:
        return set()
    return {uuid.UUID(entry["media_id"]) for entry in incident.payload.get("media") or ()}


async def shared_media(session: AsyncSession, media_id: uuid.UUID) -> Media:
    """The media file, if the latest version of a live incident lists it; else a 404."""
    media = await session.get(Media, media_id)
    if media is not None:
        incident = await latest(session, media.report_id)
        if (
            incident is not None
            and incident.change != IncidentChange.RETRACTED
            and _listed(incident.payload, media_id)
        ):
            return media
    raise SharedMediaNotFound()


def link_signature(hasher: KeyedHasher, media_id: uuid.UUID, expires: int) -> str:
    """The signature of a local link to `media_id` valid until `expires` (Unix seconds)."""
    return hasher.digest(LINK_PURPOSE, f"{media_id}:{expires}")


def check_link(
    hasher: KeyedHasher, media_id: uuid.UUID, expires: int, signature: str, now: datetime
) -> None:
    """Refuse (403) a link this service did not sign, or signed for another file or
    expiry, and one whose expiry has passed."""
    expected = link_signature(hasher, media_id, expires)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise MediaLinkRefused("This link was not signed by this service for this file.")
    if expires <= now.timestamp():
        raise MediaLinkRefused("This link has expired; ask for a new one.")


async def link_for(
    media: Media,
    storage: AsyncMediaStorage,
    hasher: KeyedHasher,
    settings: Settings,
    now: datetime,
    local_url: Callable[[dict[str, str]], str],
) -> MediaLinkOut:
    """A link to the file valid for `STOP_HUB_MEDIA_LINK_SECONDS`: the storage's presigned
    URL, or `local_url(query)`, the download route with the signed query."""
    seconds = settings.hub_media_link_seconds
    expires_at = now.replace(microsecond=0) + timedelta(seconds=seconds)
    url = await storage.presigned_url(media.storage_key, seconds=seconds, mime=media.mime)
    if url is None:
        expires = int(expires_at.timestamp())
        url = local_url(
            {"expires": str(expires), "signature": link_signature(hasher, media.id, expires)}
        )
    return MediaLinkOut(url=url, expires_at=expires_at)
