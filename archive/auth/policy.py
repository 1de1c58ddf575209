"""What each role may do, in one place. Scope (which units) is in scope.py; this is the verbs.

admin 系统管理员: everything within scope, including users, units, the trash and the audit log
clerk 档案员:     upload, edit and delete (to the trash) documents within scope
inspector 检查人员: read, search and download within scope; edits nothing
viewer 领导:      read within scope
"""
from __future__ import annotations

from archive.auth.actor import Actor
from archive.auth.scope import in_scope
from archive.models import OrgUnit
from archive.errors import FORBIDDEN, DomainError


class Forbidden(DomainError):
    kind = FORBIDDEN

    def __init__(self, message: str = "无权执行此操作"):
        super().__init__("forbidden", message)


WRITERS = ("admin", "clerk")


def can_upload(actor: Actor) -> bool:
    return actor.is_operator or actor.user.role in WRITERS


def can_edit(actor: Actor, org: OrgUnit) -> bool:
    return actor.is_operator or (actor.user.role in WRITERS and in_scope(actor.user, org))


def can_administer(actor: Actor) -> bool:
    return actor.is_operator or actor.user.role == "admin"


def can_download(actor: Actor) -> bool:
    # Every role reads within its scope; a preview in the page is a download all the same.
    return True


def require(allowed: bool, message: str = "无权执行此操作") -> None:
    if not allowed:
        raise Forbidden(message)
