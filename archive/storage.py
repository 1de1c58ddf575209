"""Content-addressed file store: files/ab/cd/<sha256>, written once, never overwritten; and the
atomic writes (temp file beside the target, fsync, rename) other stores of derived files use."""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

CHUNK = 1024 * 1024
STALE_TEMP_SECONDS = 3600


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit



@contextmanager
def file_lock(path: Path):
    """An exclusive lock across threads and processes of this machine (flock on `path`)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

@dataclass
class Staged:
    """An incoming file copied into the store's temp area and hashed, not yet stored."""

    path: Path
    sha256: str
    size: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class FileStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def ensure(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def lock(self):
        """An exclusive lock on the store, across threads and processes (flock on one file)."""
        self.ensure()
        with file_lock(self.root / ".lock"):
            yield

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def stage(self, source: BinaryIO | str | os.PathLike, max_bytes: int | None = None) -> Staged:
        """Copy into a temp file while hashing; refuse past max_bytes without reading the rest.

    Not fsynced here: most rejected and duplicate files never need to be durable (see commit)."""
        self.ensure()
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="in-")
        tmp_path = Path(tmp_name)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out, _open(source) as src:
                while chunk := src.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
        return Staged(tmp_path, digest.hexdigest(), size)

    def commit(self, staged: Staged) -> bool:
        """Move a staged file into place. Returns False if the content was already stored."""
        target = self.path_for(staged.sha256)
        if target.exists():
            staged.discard()
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        # Durable before it is linked in: only files that are kept pay for the fsync.
        fsync(staged.path)
        os.chmod(staged.path, 0o444)
        # link() fails if the target appeared meanwhile, so a stored file is never overwritten.
        try:
            os.link(staged.path, target)
        except FileExistsError:
            staged.discard()
            return False
        staged.discard()
        fsync(target.parent)
        return True

    def remove(self, sha256: str) -> None:
        """Only for undoing a store whose database row did not commit."""
        self.path_for(sha256).unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path_for(sha256), "rb")

    def iter_hashes(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for first in sorted(self.root.iterdir()):
            if first.name == "tmp" or not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                for f in sorted(second.iterdir()):
                    yield f.name

    def hash_of(self, sha256: str) -> str:
        digest = hashlib.sha256()
        with self.open(sha256) as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def verify(self, expected: Iterable[str]) -> "FixityReport":
        """Re-hash every expected file and find files nobody references."""
        report = FixityReport()
        expected = set(expected)
        for sha in sorted(expected):
            if not self.exists(sha):
                report.missing.append(sha)
            elif self.hash_of(sha) != sha:
                report.corrupt.append(sha)
            else:
                report.ok += 1
        report.orphans = sorted(set(self.iter_hashes()) - expected)
        # Temp files belong to ingests under way; an hour-old one was left by a crash.
        cutoff = time.time() - STALE_TEMP_SECONDS
        report.stale_temp = sorted(str(p) for p in self.tmp.glob("*") if p.stat().st_mtime < cutoff) \
            if self.tmp.exists() else []
        return report


@dataclass
class FixityReport:
    ok: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    stale_temp: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.corrupt or self.orphans or self.stale_temp)


class _open:
    """Open a path, or pass through an already open binary stream without closing it."""

    def __init__(self, source):
        self.source = source
        self.owned = not hasattr(source, "read")

    def __enter__(self):
        self.f = open(self.source, "rb") if self.owned else self.source
        return self.f

    def __exit__(self, *exc):
        if self.owned:
            self.f.close()


def fsync(path: Path) -> None:
    """fsync a file, or a directory (which makes a new entry in it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_file(target: Path, *, mode: int = 0o644, durable: bool = True, prefix: str = ".tmp-",
                suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temp path beside `target` for the caller to write; when the block ends without an
    exception the file gets `mode` (mkstemp makes it private), is fsynced when `durable`, and is
    renamed over `target` (readers see the old file or the new one, never a part); otherwise it is
    removed. The directory must exist."""
    target = Path(target)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        if durable:
            fsync(temp)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        fsync(target.parent)   # the new directory entry
