"""Sending one push to an FCM topic with firebase-admin's `messaging`, from our settings.

firebase-admin builds the FCM v1 request, signs a JWT with the service account's key,
exchanges it for an OAuth token at the account's `token_uri` and posts the message with that
Bearer token. Two things it does not offer, and this adapter adds:

- **the endpoint**: the SDK posts to a hard-coded
  `https://fcm.googleapis.com/v1/projects/{project}/messages:send`, kept in the messaging
  service's `_fcm_url` (firebase-admin 6 and 7). `alerts_fcm_url` replaces it there, the way
  `intake/appcheck/keys.py` replaces the App Check key client; if a new SDK version moves the
  attribute, building the sender fails (an alert attempt fails with `fcm-sdk-changed`)
  rather than silently posting to Google. The token endpoint needs no hook: it is the
  service account's own `token_uri`, so a test account names its own server there.
- **one request per attempt**: the SDK retries 500/503 inside a call (urllib3, up to four
  times with backoff). The alert worker already retries with its own backoff and counts the
  attempts on the row, so the SDK's retries are switched off: an attempt is one request.

Everything here blocks (requests); the worker calls it in a thread. Errors come back as
`FcmFailed` with a short code (`http-503`, `ConnectionError`, `token-RefreshError`): never a
response body, a URL or the message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import firebase_admin
import requests
from firebase_admin import credentials, exceptions, messaging
from google.auth import exceptions as auth_exceptions

from core.settings import Settings

FCM_URL = "https://fcm.googleapis.com/v1/projects/{project}/messages:send"
#: Where the SDK mounts its own retrying adapters; ours (no retries) replace them.
_MOUNTS = ("http://", "https://", "https://fcm.googleapis.com")


class FcmFailed(Exception):
    """The push was not accepted; `code` says why, in a few safe characters."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code[:64]


@dataclass(frozen=True)
class Push:
    """What an alert says: a title, a body and string data (FCM data values are strings)."""

    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)
    link: str | None = None  # opened when the notification is tapped (web push needs https)


class FcmSender:
    """One Firebase app (named, so it never meets App Check's) sending to one topic."""

    def __init__(self, settings: Settings) -> None:
        if not settings.alerts_fcm_topic or settings.alerts_fcm_credentials is None:
            raise FcmFailed("not-configured")
        self.topic = settings.alerts_fcm_topic
        try:
            credential = credentials.Certificate(str(settings.alerts_fcm_credentials))
        except (OSError, ValueError):  # missing, unreadable or not a service account
            raise FcmFailed("credentials-unusable") from None
        self._app = firebase_admin.initialize_app(
            credential,
            {"httpTimeout": settings.alerts_timeout_seconds},
            name=f"stop-alerts-{uuid.uuid4().hex}",
        )
        try:
            self._point_at(settings.alerts_fcm_url)
        except Exception:
            self.close()
            raise

    def _point_at(self, url: str | None) -> None:
        service = messaging._get_messaging_service(self._app)
        client = getattr(service, "_client", None)
        session = getattr(client, "session", None)
        if not isinstance(getattr(service, "_fcm_url", None), str) or not isinstance(
            session, requests.Session
        ):
            raise FcmFailed("fcm-sdk-changed")
        if url is not None:
            service._fcm_url = url.format(project=self._app.project_id)
        for prefix in _MOUNTS:
            session.mount(prefix, requests.adapters.HTTPAdapter(max_retries=0))

    def send(self, push: Push) -> str:
        """Send `push` to the topic; FCM's message name, or `FcmFailed`."""
        webpush = (
            messaging.WebpushConfig(fcm_options=messaging.WebpushFCMOptions(link=push.link))
            if push.link and push.link.startswith("https://")
            else None
        )
        message = messaging.Message(
            topic=self.topic,
            notification=messaging.Notification(title=push.title, body=push.body),
            data=push.data,
            android=messaging.AndroidConfig(priority="high"),
            webpush=webpush,
        )
        try:
            return str(messaging.send(message, app=self._app))
        except exceptions.FirebaseError as error:
            response = error.http_response
            if response is not None:
                raise FcmFailed(f"http-{response.status_code}") from None
            cause = error.cause
            if isinstance(cause, auth_exceptions.GoogleAuthError):
                raise FcmFailed(f"token-{type(cause).__name__}") from None
            raise FcmFailed(type(cause or error).__name__) from None
        except auth_exceptions.GoogleAuthError as error:
            raise FcmFailed(f"token-{type(error).__name__}") from None
        except requests.RequestException as error:
            raise FcmFailed(type(error).__name__) from None

    def close(self) -> None:
        firebase_admin.delete_app(self._app)
