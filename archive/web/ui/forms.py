"""Helpers the page modules share: numbers from links and forms (read by archive.values), the unit
asked for with ?org=<id>, the units a user may pick, an upload read within the size limit, the
确认导入 of an upload stashed by a preview page, and file downloads."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import IO

from flask import g, request

from archive.auth import policy
from archive.auth.scope import OutOfScope, scoped_org
from archive.errors import TOO_LARGE, UNPROCESSABLE, DomainError
from archive.models import OrgUnit
from archive.orgs import service as orgs
from archive.values import InvalidValue, lenient_int, parse_int
from archive.web.errors import mark_failed, too_large_message
from archive.web.filenames import XLSX, send_download
from archive.web.session import services
from archive.web.ui.stash import UploadStash

MB = 1024 * 1024


# ---------------------------------------------------------------------------------------------- numbers

def page_arg(source, name: str = "page") -> int:
    """A page number from the query string or a form: 1 when missing or not a page number."""
    return max(lenient_int(source.get(name), 1) or 1, 1)


def page_count(total: int, per_page: int) -> int:
    """Pages for `total` rows (at least one, for an empty list)."""
    return max((total + per_page - 1) // per_page, 1)


def id_list(values) -> list[int] | None:
    """Ids from a form's repeated field (ticked rows); None when one of them is not an id."""
    try:
        ids = [parse_int(v, "id", minimum=1) for v in values]
    except InvalidValue:
        return None
    return None if None in ids else ids


# ---------------------------------------------------------------------------------------------- units

def unit_arg(value, default: OrgUnit | None = None) -> OrgUnit | None:
    """?org=<id> as a unit in the user's scope; `default` when not given or not a number (a link
    edited by hand). A unit that does not exist or lies outside the scope answers 404 (OutOfScope)."""
    unit_id = lenient_int(value)
    if unit_id is None:
        return default
    unit = orgs.get(g.session, unit_id)
    if unit is None:
        raise OutOfScope()
    return scoped_org(g.session, g.user, unit)


def scope_units() -> list[OrgUnit]:
    """The units of the user's subtree, parents before children."""
    return sorted(orgs.list_units(g.session, under=g.user.org), key=lambda u: u.path.split("/"))


def writable_units() -> list[OrgUnit]:
    """The units of the subtree the user may record things for."""
    return [u for u in scope_units() if policy.can_edit(g.actor, u)]


# ---------------------------------------------------------------------------------------------- uploads

class UploadRefused(DomainError):
    """An upload form sent without a file, or with one over the size limit."""
    kind = UNPROCESSABLE
    KINDS = {"file_too_large": TOO_LARGE}


def max_bytes() -> int:
    return services().settings.limits.max_bytes


def request_too_large(limit: int) -> bool:
    """The request is over the limit before it is read (a megabyte allowed for the form around the file)."""
    return bool(request.content_length and request.content_length > limit + MB)


def read_upload(*, missing: str, default_name: str, limit: int, field: str = "file") -> tuple[bytes, str]:
    """The uploaded file's bytes (at most `limit`) and its plain name; UploadRefused (with the
    message `missing` when no file was chosen)."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise UploadRefused("missing_file", missing)
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused("file_too_large", too_large_message(limit))
    return data, Path(upload.filename.replace("\\", "/")).name[:200] or default_name


def confirm_stashed(stash: UploadStash, refuse: Callable[[str, int], object],
                    run: Callable[[str, bytes, str], tuple[object, bool]]):
    """确认导入 of the upload a preview page stashed (the form's `token`): `run(token, data, name)`
    gives (response, saved) for the user's own unexpired upload, claimed once (a second click is
    refused while the first runs); the upload is dropped once saved, kept for another try otherwise.
    `refuse(message, status)` renders the form again."""
    token = str(request.form.get("token") or "")
    stashed = stash.get(token)
    if stashed is None:
        mark_failed()
        return refuse("上传的文件已过期或不存在，请重新选择文件", 410)
    data, name = stashed
    if not stash.claim(token):
        mark_failed()
        return refuse(f"该{stash.default_name}正在导入或已经导入，请勿重复提交", 409)
    saved = False
    try:
        response, saved = run(token, data, name)
        return response
    finally:
        stash.drop(token) if saved else stash.release(token)


# ---------------------------------------------------------------------------------------------- downloads

def download(body: bytes | IO[bytes] | Path, name: str, mimetype: str):
    """`body` as an attachment named `name` (Chinese kept), never cached or sniffed."""
    return send_download(BytesIO(body) if isinstance(body, bytes) else body, mimetype, name)


def written_download(write: Callable[[IO[bytes]], object], name: str, mimetype: str = XLSX):
    """What `write(out)` writes, as a download; the temporary file goes when the answer has been sent."""
    out = tempfile.TemporaryFile()
    try:
        write(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return download(out, name, mimetype)
