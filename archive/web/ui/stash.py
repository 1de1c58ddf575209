"""An upload held between a preview page and its 确认导入 (问题清单, 台账): stored under the data dir's
uploads folder by a random token, usable only by the user who uploaded it, claimed by exactly one
confirmation (a double click imports once), and cleared after a day if forgotten."""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import g

from archive.web.session import services

TOKEN = re.compile(r"^[0-9a-f]{32}$")
TTL = 24 * 3600


class UploadStash:
    def __init__(self, kind: str, default_name: str):
        self.kind, self.default_name = kind, default_name

    @property
    def folder(self) -> Path:
        return services().settings.uploads_dir / self.kind

    def put(self, data: bytes, name: str) -> str:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for old in folder.iterdir():  # forgotten previews
            try:
                if now - old.stat().st_mtime > TTL:
                    old.unlink()
            except OSError:
                pass
        token = secrets.token_hex(16)
        (folder / f"{token}.bin").write_bytes(data)
        (folder / f"{token}.json").write_text(json.dumps({"user": g.user.id, "name": name}, ensure_ascii=False),
                                              encoding="utf-8")
        return token

    def get(self, token: str) -> tuple[bytes, str] | None:
        """The stashed file and its name, for its owner only; None when unknown, expired or someone else's."""
        if not TOKEN.match(token or ""):
            return None
        try:
            meta = json.loads((self.folder / f"{token}.json").read_text(encoding="utf-8"))
            if meta.get("user") != g.user.id:
                return None
            return (self.folder / f"{token}.bin").read_bytes(), str(meta.get("name") or self.default_name)
        except (OSError, ValueError):
            return None

    def claim(self, token: str) -> bool:
        """Take the upload for one import: the rename succeeds for exactly one request."""
        try:
            os.rename(self.folder / f"{token}.bin", self.folder / f"{token}.claimed")
            return True
        except OSError:
            return False

    def release(self, token: str) -> None:
        try:
            os.rename(self.folder / f"{token}.claimed", self.folder / f"{token}.bin")
        except OSError:
            pass

    def drop(self, token: str) -> None:
        if TOKEN.match(token or ""):
            for suffix in (".bin", ".claimed", ".json"):
                (self.folder / f"{token}{suffix}").unlink(missing_ok=True)
