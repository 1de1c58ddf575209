"""Users and API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from archive.models import ROLES, ApiToken, OrgUnit, User
from archive.models.base import utcnow
from archive.errors import DomainError

ROLE_NAMES = {"admin": "系统管理员", "clerk": "档案员", "inspector": "检查人员", "viewer": "领导"}
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=5)
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
_dummy_hash: str | None = None


def _dummy() -> str:
    """Checked against when the user name is unknown, so both cases take the same time (made once,
    on first use: scrypt costs ~0.1 s, which every command-line start would otherwise pay)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("not-a-real-password", method="scrypt")
    return _dummy_hash


class AuthError(DomainError):
    pass


def create_user(session: Session, *, username: str, org: OrgUnit, role: str, password: str | None) -> User:
    username = username.strip()
    if not username:
        raise AuthError("bad_username", "用户名不能为空")
    if role not in ROLES:
        raise AuthError("bad_role", f"角色无效：{role}（可选 {', '.join(ROLES)}）")
    if session.scalar(select(User).where(User.username == username)):
        raise AuthError("user_exists", f"用户“{username}”已存在")
    if password is not None and len(password) < 8:
        raise AuthError("weak_password", "密码至少 8 位")
    user = User(
        username=username,
        org=org,
        role=role,
        password_hash=generate_password_hash(password, method="scrypt") if password else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AuthError("user_not_found", f"找不到用户“{username}”")
    return user


def check_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def login(session: Session, actor, username: str, password: str) -> User:
    """Check a log-in. Five wrong passwords in a row lock the account for 15 minutes.

    Every attempt is audited. The refusal message is the same for an unknown name and a wrong
    password, so names cannot be probed.
    """
    from archive.audit import service as audit

    refused = AuthError("bad_login", "用户名或密码错误")
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_dummy(), password)
        audit.record(session, actor, "login_failed", summary=f"未知用户名：{username[:50]}")
        raise refused
    now = utcnow()
    if user.locked_until is not None and _aware(user.locked_until) > now:
        audit.record(session, actor, "login_failed", user=user, object_type="user", object_id=user.id,
                     org_id=user.org_id, summary="账户已锁定")
        minutes = max(1, int((_aware(user.locked_until) - now).total_seconds() // 60) + 1)
        raise AuthError("locked", f"密码错误次数过多，账户已锁定，请 {minutes} 分钟后再试")
    if not user.active or not check_password(user, password):
        user.failed_logins += 1
        summary = "密码错误" if user.active else "账户已停用"
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            summary += "，账户锁定 15 分钟"
        audit.record(session, actor, "login_failed", user=user, object_type="user", object_id=user.id,
                     org_id=user.org_id, summary=summary)
        raise refused
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    audit.record(session, actor, "login", user=user, object_type="user", object_id=user.id, org_id=user.org_id)
    return user


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def set_password(user: User, password: str) -> None:
    if len(password) < 8:
        raise AuthError("weak_password", "密码至少 8 位")
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.failed_logins, user.locked_until = 0, None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User) -> str:
    """Returns the token itself; only its hash is stored (tokens are random, so SHA-256 suffices)."""
    token = "ar_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_hash=_hash_token(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # Recorded at most every few minutes: a write on every API call would contend with ingest.
    if row.last_used_at is None or now - _aware(row.last_used_at) > TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
    return row.user
