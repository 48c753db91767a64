"""The one place configuration is read from (environment variables `STOP_…` and `.env`).

Everything else receives a `Settings` object; nothing else reads `os.environ`, so a test
can build its own settings and the whole application follows.
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    computed_field,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "STOP_"


def _split_list(value: Any) -> Any:
    """A list setting as an operator writes it: `a`, `a,b`, `a, b` or JSON `["a", "b"]`."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        return json.loads(text)
    return [item.strip() for item in text.split(",") if item.strip()]


#: The moderator roles (models.moderator.ModeratorRole, which core cannot import; a test
#: keeps the two equal).
MODERATOR_ROLES = ("moderator", "lead", "admin")

#: A list of strings read from one variable, comma-separated or as a JSON array.
TextList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]


class InvalidSettings(Exception):
    """A setting that cannot be used; the message names each variable and what it expects."""


def describe_invalid(error: ValidationError) -> str:
    """One line per bad setting: `STOP_NAME: what is wrong`, never the value (a secret?)."""
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        name = ENV_PREFIX + str(item["loc"][0]).upper() if item["loc"] else "settings"
        lines.append(f"{name}: {item['msg']}")
    return "; ".join(lines)


class Settings(BaseSettings):
    """Service configuration; defaults give the embedded set-up (SQLite + local media)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Where the embedded database, media folder and generated secret live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default is a SQLite file in data_dir. "
        "Production: postgresql+asyncpg://user@host/db",
    )
    media_dir: Path | None = Field(
        default=None, description="Local media store; default data_dir/media."
    )
    secret_key: str | None = Field(
        default=None,
        description="Key for keyed hashes of receipts, tokens and API keys. When unset, one is "
        "generated once into data_dir/secret.key (fine for one machine; set it in production).",
    )
    run_worker_in_process: bool | None = Field(
        default=None,
        description="Run the pipeline worker inside `serve`; default: only on SQLite.",
    )
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    housekeeping_interval_seconds: float = Field(
        default=300,
        gt=0,
        description="How often expired uploads, token counts and rate-limit buckets are removed.",
    )
    orphan_sweep_hours: float | None = Field(
        default=6,
        gt=0,
        description="How often (in one API process of all) stored media no row names are "
        "removed: what an outage or a crash left between storing a file and its report. "
        "Unset: never.",
    )
    worker_lease_seconds: int = Field(default=300, gt=0)
    worker_batch_size: int = Field(default=10, gt=0, le=500)
    worker_max_attempts: int = Field(default=5, gt=0)
    moderation_claim_seconds: int = Field(default=1800, gt=0)
    undo_window_seconds: int = Field(
        default=900,
        ge=0,
        description="How long after rejecting a report the moderator who rejected it (or a "
        "lead) may undo the rejection; 0 turns undo off. Later, a lead reopens it instead.",
    )
    four_eyes: TextList = Field(
        default_factory=list,
        description="Approvals by moderators that wait for a lead's confirmation before "
        "anything reaches the hub: `all`, `urgent` (urgent reports), and/or HTCDS types of "
        "exploitation (an incident with that type: `SexualExploitation`). Comma-separated; "
        "empty (the default) for none. Leads' own approvals publish at once.",
    )
    moderator_token_hours: int = Field(
        default=12,
        gt=0,
        description="A login (API token or console session) ends this long after it began.",
    )
    moderator_idle_minutes: int = Field(
        default=30,
        gt=0,
        description="A login unused for this long ends (last use is noted at most once a minute).",
    )
    moderator_max_sessions: int = Field(
        default=5, gt=0, description="Live logins per account; a new one ends the oldest beyond it."
    )
    require_2fa_roles: TextList = Field(
        default_factory=lambda: ["lead", "admin"],
        description="Roles that must use a second factor (TOTP): without one they may only log "
        "in to the console to enrol. Comma-separated; empty for none.",
    )

    @field_validator("require_2fa_roles")
    @classmethod
    def _roles_exist(cls, roles: list[str]) -> list[str]:
        names = [role.strip().lower() for role in roles]
        unknown = sorted(set(names) - set(MODERATOR_ROLES))
        if unknown:
            raise ValueError(f"expects roles among {', '.join(MODERATOR_ROLES)}, not {unknown}")
        return names

    login_failures_before_delay: int = Field(
        default=5,
        gt=0,
        description="Failed logins in a row for one username before each further attempt must "
        "wait (1 s, then doubling).",
    )
    login_first_delay_seconds: int = Field(
        default=1, gt=0, description="The first wait after too many failed logins; it doubles."
    )
    login_max_delay_seconds: int = Field(
        default=900, gt=0, description="The longest wait between login attempts for one username."
    )
    password_hash_time_cost: int = Field(
        default=3, ge=1, description="argon2id passes over memory per password hash."
    )
    password_hash_memory_kib: int = Field(
        default=65536, ge=8, description="argon2id memory per password hash, in KiB (64 MiB)."
    )
    password_hash_parallelism: int = Field(
        default=4, ge=1, description="argon2id lanes per password hash."
    )
    target_language: str = Field(default="en", description="Language of the intelligence team.")
    location_grid_degrees: float = Field(
        default=0.001,
        gt=0,
        description="Incoming coordinates are snapped to this grid before storage (~110 m).",
    )
    hub_cell_resolution: int = Field(
        default=7,
        ge=0,
        le=10,
        description="H3 resolution of the cells places are published in (7: cells of ~5 km², "
        "the same size everywhere on Earth); a rare incident is generalised two steps coarser.",
    )
    hub_time_window: Literal["month", "quarter", "year"] = Field(
        default="month",
        description="Event dates are published as the whole month (quarter, year) they fall in.",
    )
    hub_rarity_k: int = Field(
        default=3,
        ge=1,
        le=100,
        description="An incident whose place, time window and demographics match fewer than k "
        "incidents in the feed (itself included) is generalised, and held for a lead if still "
        "rare; 1 turns the check off.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A webhook receiver must answer within this (connect, send and read).",
    )
    webhook_max_attempts: int = Field(
        default=15,
        ge=1,
        le=100,
        description="Attempts of one webhook delivery before it is dead-lettered (replay it "
        "with `hub-clients webhooks replay NAME --dead`).",
    )
    webhook_retry_first_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait before the second attempt of a webhook delivery; each later wait "
        "doubles, up to webhook_retry_max_seconds, and is drawn between half and all of that "
        "(jitter).",
    )
    webhook_retry_max_seconds: float = Field(
        default=21600.0, gt=0, description="The longest wait between two webhook attempts (6 h)."
    )
    webhook_batch_size: int = Field(
        default=20,
        gt=0,
        le=500,
        description="Webhook deliveries a worker leases and sends at once (concurrently).",
    )
    # --- urgent-report alerts (Firebase Cloud Messaging; off while no topic is set) ---
    alerts_fcm_topic: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z0-9_.~%-]{1,900}$",
        description="The FCM topic the on-call moderators' devices subscribe to; when set, an "
        "urgent report reaching the queue sends them an alert that carries no report content. "
        "Unset: no alerts.",
    )
    alerts_fcm_credentials: Path | None = Field(
        default=None,
        description="The Firebase service-account JSON file (its project_id is the FCM "
        "project); needed when alerts_fcm_topic is set.",
    )
    alerts_fcm_url: str | None = Field(
        default=None,
        description="Replaces FCM's send endpoint "
        "(https://fcm.googleapis.com/v1/projects/{project}/messages:send); `{project}` is "
        "filled in. For tests and proxies; leave unset in production.",
    )
    alerts_console_url: str | None = Field(
        default=None,
        description="The console's queue as the moderators reach it, sent as the alert's link "
        "(e.g. https://intake.example.org/console/queue?urgent=true).",
    )
    alerts_timeout_seconds: float = Field(
        default=10.0, gt=0, description="FCM (and its token endpoint) must answer within this."
    )
    alerts_max_attempts: int = Field(
        default=20,
        ge=1,
        le=100,
        description="Attempts to send one alert before it is given up (logged as dead).",
    )
    alerts_retry_first_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait before the second attempt of an alert; later waits double up to "
        "alerts_retry_max_seconds, with jitter. Urgent reports that reach the queue meanwhile "
        "join the waiting alert.",
    )
    alerts_retry_max_seconds: float = Field(
        default=300.0, gt=0, description="The longest wait between two alert attempts (5 min)."
    )
    aggregates_epsilon: float = Field(
        default=0.5,
        gt=0,
        le=1000,
        description="The privacy loss (epsilon) of one release of private aggregates "
        "(GET /v1/hub/aggregates); smaller: more noise, more protection. 0.1 to 1 is usual; "
        "above 10 the noise protects next to nothing.",
    )
    aggregates_budget_epsilon: float = Field(
        default=5.0,
        gt=0,
        description="The total epsilon all releases together may spend in any "
        "aggregates_budget_days (one budget for every client: the releases are public); a "
        "query beyond it is refused (429 privacy-budget-spent) until older releases age out.",
    )
    aggregates_budget_days: int = Field(
        default=30, ge=1, le=3660, description="The rolling period the budget covers."
    )
    aggregates_max_cells_per_incident: int = Field(
        default=4,
        ge=1,
        le=100,
        description="The contribution bound: how many cells of one release an incident may "
        "count in (the rest of its cells are left out); the noise grows with it.",
    )
    aggregates_refresh_hours: int = Field(
        default=24,
        ge=1,
        description="A query asked again within this many hours of its release gets the same "
        "released numbers at no cost; after it, a new release (and a new charge).",
    )
    aggregates_max_months: int = Field(
        default=120, ge=1, description="The longest month range one query may ask for."
    )
    hub_media_link_seconds: int = Field(
        default=300,
        ge=1,
        le=604_800,
        description="How long a link to shared media given to a hub client works (an S3 "
        "presigned URL, or a signed URL of this service); S3 allows at most 7 days.",
    )
    retain_decided_days: int = Field(
        default=90,
        ge=0,
        description="Days after the decision the reporter's content of an approved or withdrawn "
        "report is kept (text, translation, conversation, media not shared with the hub); "
        "then `stop-intake purge` empties it. 0 keeps it for ever.",
    )
    retain_rejected_days: int = Field(
        default=30,
        ge=0,
        description="The same for rejected reports (merged duplicates included), sooner: "
        "nothing of them reaches the hub. 0 keeps them for ever.",
    )
    purge_every_hours: float | None = Field(
        default=None,
        gt=0,
        description="When set, `stop-intake worker` runs the retention purge this often (e.g. "
        "24); exactly one worker runs each round however many there are. Unset: only by hand.",
    )
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: every log line is one JSON object (time, level, logger, message, "
        "request_id; route, status and duration_ms on access lines) for a log stack.",
    )

    # --- media (sanitiser and storage) ---
    media_max_files: int = Field(default=10, gt=0, le=50, description="Media parts per report.")
    media_max_file_bytes: int = Field(
        default=50_000_000, gt=0, description="Per file in a multipart report; larger: /v1/uploads."
    )
    request_max_bytes: int = Field(default=120_000_000, gt=0, description="Per multipart request.")
    report_max_bytes: int = Field(default=262_144, gt=0, description="The report JSON itself.")
    media_backend: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_prefix: str = "media/"
    s3_endpoint_url: str | None = Field(default=None, description="For S3-compatible servers.")
    s3_region: str | None = None
    s3_sse: str | None = Field(
        default="AES256", description="Server-side encryption; None to omit."
    )
    s3_sse_kms_key_id: str | None = None
    s3_upload_prefix: str = Field(
        default="partial-uploads/",
        description="Where in the bucket unfinished resumable uploads are kept, sealed, when "
        "upload_shared is on; apart from s3_prefix.",
    )
    sanitize_timeout_seconds: float = Field(default=120.0, gt=0)
    sanitize_memory_mb: int = Field(default=1024, gt=0)
    max_image_pixels: int = Field(default=100_000_000, gt=0)
    max_media_duration_seconds: float = Field(default=3600.0, gt=0)
    hardened_photos: bool = Field(
        default=False, description="Also re-encode and slightly resize photos (sensor noise)."
    )

    # --- resumable uploads (tus) ---
    upload_tmp_dir: Path | None = Field(
        default=None,
        description="Partial resumable uploads (unsanitised bytes: never inside media storage); "
        "default data_dir/uploads.",
    )
    upload_shared: bool | None = Field(
        default=None,
        description="Keep unfinished resumable uploads in the S3 bucket (each piece sealed "
        "with AES-GCM under a key derived from secret_key, which every host must share) so "
        "any API host can resume any upload: no sticky routing, no shared folder. Default: on "
        "with media_backend s3, off (upload_tmp_dir, one host) with local media.",
    )

    @field_validator("upload_shared")
    @classmethod
    def _shared_needs_a_bucket(cls, shared: bool | None, info: ValidationInfo) -> bool | None:
        if shared and info.data.get("media_backend") != "s3":
            raise ValueError("needs STOP_MEDIA_BACKEND=s3 (the uploads live in its bucket)")
        return shared

    upload_max_bytes: int = Field(
        default=200_000_000, gt=0, description="Largest resumable upload (Tus-Max-Size)."
    )
    upload_expiry_hours: int = Field(
        default=24,
        gt=0,
        description="An unfinished upload is deleted this long after its last byte; a finished "
        "one this long after it was sanitised, unless a report took it.",
    )
    upload_reserved_max_bytes: int = Field(
        default=20_000_000_000,
        gt=0,
        description="Guard for unfinished uploads on this host's disk (kept in the bucket: "
        "all hosts' together): the bytes they have "
        "received plus the room each holds ahead (upload_reserve_ahead_bytes). A creation "
        "that would pass it, or a PATCH whose whole upload would not fit beside the others, "
        "is answered 503.",
    )
    upload_reserve_ahead_bytes: int = Field(
        default=16_000_000,
        gt=0,
        description="Room an unfinished upload holds in the disk guard beyond what it has "
        "received: declaring 200 MB and sending nothing holds only this much.",
    )
    upload_first_byte_minutes: int = Field(
        default=15,
        gt=0,
        description="An upload that has received no byte is deleted this long after creation.",
    )

    # --- translation ---
    translation_dir: Path | None = Field(
        default=None, description="Installed argos models; default data_dir/translation."
    )

    # --- intake protection ---
    app_check_mode: Literal["off", "monitor", "enforce"] = "off"
    app_check_project_number: str | None = None
    app_check_app_ids: TextList = Field(default_factory=list)
    app_check_jwks_url: str = "https://firebaseappcheck.googleapis.com/v1/jwks"
    app_check_max_reports_per_token: int = Field(default=5, gt=0)
    app_check_jwks_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Per-request timeout for fetching App Check's public keys."
    )
    trusted_proxies: TextList = Field(
        default_factory=list,
        description="Addresses/CIDRs whose X-Forwarded-For is believed, e.g. `127.0.0.0/8,::1`.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            if entry.lower() != "unix":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(f"expects addresses or CIDRs, not {entry!r}") from None
        return entries

    console_urgent_poll_seconds: float = Field(
        default=20,
        ge=1,
        le=600,
        description="How often an open console page asks how many urgent reports wait, to "
        "keep the count in its navigation bar current and say when a new one arrives.",
    )
    map_tiles_url: str | None = Field(
        default=None,
        description="Map tiles for the console dashboard's map of coarse report places, "
        "e.g. `https://tile.example/{z}/{x}/{y}.png` (an https URL with {z}, {x} and {y}); "
        "its host is added to the console's img-src. Unset, the dashboard draws a plain "
        "grid plot and the browser fetches nothing from elsewhere.",
    )

    @field_validator("map_tiles_url")
    @classmethod
    def _tiles_url_is_a_template(cls, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("expects an http(s) URL, e.g. https://tile.example/{z}/{x}/{y}.png")
        if any(name not in url for name in ("{z}", "{x}", "{y}")):
            raise ValueError("expects {z}, {x} and {y} in the URL")
        return url

    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for GET /metrics (Prometheus); unset, /metrics is off.",
    )
    metrics_flush_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often each process adds its stage timings to the database for "
        "/metrics (only with STOP_METRICS_TOKEN set).",
    )
    api_docs: bool = Field(
        default=True,
        description="Serve the interactive API docs at /docs (from this server's own files); "
        "/openapi.json is always served.",
    )
    header_timeout_seconds: float = Field(
        default=20.0, gt=0, description="A request's headers must be complete within this."
    )
    body_idle_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A request body may pause this long between chunks; then 408.",
    )
    max_concurrency: int = Field(
        default=500, gt=0, description="Connections served at once per process; 503 beyond."
    )
    header_max_bytes: int = Field(
        default=32_768,
        ge=1024,
        description="A request's line and headers together; 431 beyond (414 for the line alone).",
    )
    body_max_bytes: int = Field(
        default=2_000_000,
        gt=0,
        description="The body of any request but a report submission and a tus PATCH (which "
        "have their own limits); 413 beyond.",
    )
    force_https: bool = Field(
        default=False,
        description="The public URL is https even when no trusted proxy says so: console "
        "cookies are Secure and HSTS is sent. Set it when TLS ends at a proxy you cannot list.",
    )
    trusted_proxy_header: Literal["x-forwarded-for", "forwarded"] = Field(
        default="x-forwarded-for",
        description="The one forwarding header the trusted proxies overwrite or append to; the "
        "other is ignored, since a client could have set it. 'unix' in trusted_proxies trusts a "
        "proxy on a Unix socket.",
    )
    rate_limit_submit: str = Field(
        default="10/minute, 60/hour",
        description="Reports per client address (counted by every process together).",
    )
    rate_limit_receipt_lookup: str = Field(
        default="5/minute, 30/hour",
        description="Receipt uses per client address, against guessing.",
    )
    rate_limit_upload: str = Field(
        default="120/minute, 1500/hour", description="Resumable-upload requests per client address."
    )
    rate_limit_upload_create: str = Field(
        default="10/hour, 30/day",
        description="Resumable uploads a client address may start (each holds disk room).",
    )
    rate_limit_login: str = Field(
        default="10/minute, 100/hour",
        description="Login attempts (API and console) per client address.",
    )
    rate_limit_hub: str = Field(
        default="600/minute",
        description="Hub requests per hub client (counted by client, not address).",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'stop-intake.db').resolve()}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_upload_tmp_dir(self) -> Path:
        return self.upload_tmp_dir or self.data_dir / "uploads"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_translation_dir(self) -> Path:
        return self.translation_dir or self.data_dir / "translation"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def uploads_in_bucket(self) -> bool:
        """Unfinished resumable uploads live in the S3 bucket (sealed), not on this host."""
        if self.upload_shared is None:
            return self.media_backend == "s3"
        return self.upload_shared

    @property
    def worker_in_process(self) -> bool:
        if self.run_worker_in_process is None:
            return self.is_sqlite
        return self.run_worker_in_process


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once; a bad one raises `InvalidSettings`."""
    try:
        return Settings()
    except ValidationError as error:
        raise InvalidSettings(describe_invalid(error)) from None
