"""What every JSON view shares: the `api` blueprint (/api/v1) in one unit of work per request, the
bearer-token login, reading the request (units, whole numbers, flags, the JSON body, the uploaded
file), and the one error mapping: a refusal of any domain (archive.errors.DomainError) answers
`{"error": {"code", "message", ...extra}}` with the status of its kind (web/errors.status_for)."""
from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from flask import Blueprint, g, request
from werkzeug.datastructures import FileStorage

from archive.auth import service as auth
from archive.auth.actor import Actor
from archive.auth.scope import scoped_org
from archive.errors import TOO_LARGE, DomainError
from archive.models import OrgUnit
from archive.orgs import service as orgs
from archive.values import MAX_INT, parse_int
from archive.web.errors import api_error, status_for, too_large_message
from archive.web.session import services, unit_of_work

bp = Blueprint("api", __name__, url_prefix="/api/v1")
unit_of_work(bp)

class RequestError(DomainError):
    """The request itself is not as it should be: no JSON object, no file, a file over the limit."""


@bp.errorhandler(DomainError)
def refused(exc: DomainError):
    return api_error(status_for(exc), exc.code, exc.message, **exc.extra)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = auth.user_for_token(g.session, token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            return api_error(401)
        g.user = user
        g.actor = Actor(user, request.remote_addr, request.user_agent.string)
        g.session.commit()  # release SQLite's write lock before the view's own units of work
        return view(*args, **kwargs)

    return wrapper


# ------------------------------------------------------------------------------------------- parameters

def org_from(value, *, optional: bool = False) -> OrgUnit | None:
    """A unit given by display path or division code, checked against the user's scope (404 outside
    it). Blank: the user's own unit, or None when `optional`."""
    ref = str(value or "").strip()
    if not ref:
        return None if optional else g.user.org
    return scoped_org(g.session, g.user, orgs.resolve(g.session, ref))


def org_param(name: str = "org") -> OrgUnit:
    """The request's `org` (query or form); the user's own unit when not given."""
    return org_from(request.values.get(name))


def org_filter(name: str = "org") -> OrgUnit | None:
    """The request's `org` as a filter: None (no filter) when not given."""
    return org_from(request.values.get(name), optional=True)


def int_param(name: str, default: int | None = None, *, maximum: int = MAX_INT) -> int | None:
    """A whole number ≥ 0 from the query or form; `bad_parameter` (400) when it is not one."""
    return parse_int(request.values.get(name), name, default=default, maximum=maximum)


def flag(value) -> bool:
    """A yes/no given as a JSON boolean or as text (1, true, yes, on); anything else is no."""
    return value is True or str(value or "").strip().lower() in ("1", "true", "yes", "on")


def flag_param(name: str) -> bool:
    return flag(request.values.get(name))


def json_body(*, required: bool = True, code: str = "invalid_json",
              message: str = "请求体应为 JSON 对象") -> dict:
    """The request's JSON object. An absent body is {} unless `required`; anything else that is
    not a JSON object is refused with `code` (400)."""
    body = request.get_json(silent=True)
    if body is None and not request.data and not required:
        return {}
    if not isinstance(body, dict):
        raise RequestError(code, message)
    return body


def upload_file(field: str = "file") -> FileStorage:
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise RequestError("missing_file", f"缺少上传文件（字段 {field}）")
    return upload


def too_large(limit: int) -> RequestError:
    return RequestError("file_too_large", too_large_message(limit), TOO_LARGE)


def check_upload_size() -> None:
    """Refuse a request plainly bigger than one file may be before anything is read (413); a
    little room is left for the form's other fields."""
    limit = services().settings.limits.max_bytes
    if request.content_length and request.content_length > limit + 1024 * 1024:
        raise too_large(limit)


def read_upload(upload: FileStorage, limit: int | None = None) -> bytes:
    """The uploaded file's bytes, refused (413) when over `limit` (default the upload limit)."""
    limit = limit or services().settings.limits.max_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return data


@contextmanager
def naming_file(name: str, error: type[DomainError]):
    """A file that cannot be read is refused with its name in front of the reason."""
    try:
        yield
    except error as e:
        e.message = f"{name}：{e.message}"
        raise
