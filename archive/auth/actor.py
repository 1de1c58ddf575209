"""Who is acting, and from where: passed into every service call that audits."""
from __future__ import annotations

from dataclasses import dataclass

from archive.models import User


@dataclass(frozen=True)
class Actor:
    user: User | None          # None: the local operator at the command line
    ip: str | None = None
    user_agent: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.user is None


CLI = Actor(user=None, ip="cli")
