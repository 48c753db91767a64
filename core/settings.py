"""The one place configuration is read from (environment variables `STOP_…` and `.env`).

Everything else receives a `Settings` object; nothing else reads `os.environ`, so a test
can build its own settings and the whole application follows.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, computed_field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Service configuration; defaults give the embedded set-up (SQLite + local media)."""

    model_config = SettingsConfigDict(env_prefix="STOP_", env_file=".env", extra="ignore")

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
        default=300, gt=0, description="How often expired uploads and token counts are removed."
    )
    worker_lease_seconds: int = Field(default=300, gt=0)
    worker_batch_size: int = Field(default=10, gt=0, le=500)
    worker_max_attempts: int = Field(default=5, gt=0)
    moderation_claim_seconds: int = Field(default=1800, gt=0)
    moderator_token_hours: int = Field(default=12, gt=0)
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
    hub_location_grid_degrees: float = Field(
        default=0.01, gt=0, description="Coarser grid for coordinates published to the hub (~1 km)."
    )
    log_level: str = "INFO"

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
        description="Sum of the declared sizes of all unfinished uploads (protects the disk).",
    )

    # --- translation ---
    translation_dir: Path | None = Field(
        default=None, description="Installed argos models; default data_dir/translation."
    )

    # --- intake protection ---
    app_check_mode: Literal["off", "monitor", "enforce"] = "off"
    app_check_project_number: str | None = None
    app_check_app_ids: list[str] = Field(default_factory=list)
    app_check_jwks_url: str = "https://firebaseappcheck.googleapis.com/v1/jwks"
    app_check_max_reports_per_token: int = Field(default=5, gt=0)
    app_check_jwks_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Per-request timeout for fetching App Check's public keys."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses/CIDRs whose X-Forwarded-For is believed."
    )
    trusted_proxy_header: Literal["x-forwarded-for", "forwarded"] = Field(
        default="x-forwarded-for",
        description="The one forwarding header the trusted proxies overwrite or append to; the "
        "other is ignored, since a client could have set it. 'unix' in trusted_proxies trusts a "
        "proxy on a Unix socket.",
    )
    rate_limit_submit: str = Field(
        default="10/minute, 60/hour", description="Reports per client address (per process)."
    )
    rate_limit_receipt_lookup: str = Field(
        default="5/minute, 30/hour",
        description="Receipt uses per client address, against guessing.",
    )
    rate_limit_upload: str = Field(
        default="120/minute, 1500/hour", description="Resumable-upload requests per client address."
    )
    rate_limit_max_clients: int = Field(
        default=100_000, gt=0, description="Client buckets kept in memory; the oldest are dropped."
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
    def worker_in_process(self) -> bool:
        if self.run_worker_in_process is None:
            return self.is_sqlite
        return self.run_worker_in_process


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
