"""Settings from environment variables, read in one place."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """Guards applied before and during parsing of an untrusted file."""

    max_bytes: int = 200 * 1024 * 1024
    max_unzipped_bytes: int = 1024 * 1024 * 1024
    max_zip_ratio: int = 200          # uncompressed/compressed, per member
    max_zip_members: int = 10_000
    timeout_seconds: float = 60.0     # per-file extraction time limit
    max_image_pixels: int = 200_000_000


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    limits: Limits = field(default_factory=Limits)
    # A whole request (a folder upload carries many files); single files are held to limits.max_bytes.
    max_request_bytes: int = 2048 * 1024 * 1024
    search_engine: str | None = None  # tantivy | whoosh (default: tantivy, Whoosh when it is missing)
    queue_name: str = "archive"  # the job queue's name: processes sharing a Redis and a name share jobs

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def jobs_db(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    @property
    def renditions_dir(self) -> Path:
        """PDF renditions of documents, by the original's sha256: a cache, rebuilt when missing."""
        return self.data_dir / "renditions"

    @property
    def volumes_dir(self) -> Path:
        """Built volume PDFs (generated output, rebuilt from the database and the files)."""
        return self.data_dir / "volumes"

    @property
    def uploads_dir(self) -> Path:
        """Staging area for batch uploads waiting for their job."""
        return self.data_dir / "uploads"


def load_settings(**overrides) -> Settings:
    data_dir = Path(overrides.pop("data_dir", None) or os.environ.get("ARCHIVE_DATA_DIR", "instance")).resolve()
    database_url = overrides.pop("database_url", None) or os.environ.get("ARCHIVE_DATABASE_URL") \
        or f"sqlite:///{data_dir / 'archive.sqlite3'}"
    limits = overrides.pop("limits", None) or Limits(
        max_bytes=_int_env("ARCHIVE_MAX_UPLOAD_MB", 200) * 1024 * 1024,
        timeout_seconds=float(os.environ.get("ARCHIVE_EXTRACT_TIMEOUT", "60")),
    )
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=overrides.pop("redis_url", None) or os.environ.get("ARCHIVE_REDIS_URL") or None,
        secret_key=overrides.pop("secret_key", None) or os.environ.get("ARCHIVE_SECRET_KEY") or _dev_secret(data_dir),
        limits=limits,
        max_request_bytes=overrides.pop("max_request_bytes", None) or _int_env("ARCHIVE_MAX_REQUEST_MB", 2048) * 1024 * 1024,
        search_engine=overrides.pop("search_engine", None) or os.environ.get("ARCHIVE_SEARCH_ENGINE") or None,
        queue_name=overrides.pop("queue_name", None) or os.environ.get("ARCHIVE_QUEUE_NAME") or "archive",
        **overrides,
    )
    return settings


def _dev_secret(data_dir: Path) -> str:
    """A per-installation secret kept in the data dir, so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
