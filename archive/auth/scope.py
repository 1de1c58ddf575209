"""Scope: a user sees their own org unit and everything below it.

Every query for documents (and later ledgers, rectification items, search hits) goes through
`restrict`, and every single-record access through `require_in_scope`, so the rule lives in one place.
"""
from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import Session

from archive.models import OrgUnit, User
from archive.errors import NOT_FOUND, DomainError


class OutOfScope(DomainError):
    """No such record, or one outside the user's scope: the two are never told apart."""
    kind = NOT_FOUND
    default_code = "not_found"
    default_message = "记录不存在或无权访问"


def restrict(stmt: Select, user: User, org_column) -> Select:
    """Limit a select to rows whose org (given by `org_column`) is inside the user's subtree."""
    return stmt.join(OrgUnit, OrgUnit.id == org_column).where(OrgUnit.lineage.startswith(user.org.lineage))


def in_scope(user: User, org: OrgUnit) -> bool:
    return org.lineage.startswith(user.org.lineage)


def require_in_scope(user: User, org: OrgUnit) -> None:
    # Out-of-scope records answer exactly like missing ones, so ids reveal nothing.
    if not in_scope(user, org):
        raise OutOfScope()


def scoped_org(session: Session, user: User, org: OrgUnit | None) -> OrgUnit:
    """The unit a user asked to filter or upload by, refused when outside their scope."""
    if org is None:
        return user.org
    require_in_scope(user, org)
    return org

