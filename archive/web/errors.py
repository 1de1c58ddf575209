"""Errors as JSON under /api, as plain Chinese pages elsewhere; never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from archive import errors

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("bad_request", "请求无效"),
    401: ("unauthorized", "需要登录或有效的 API 令牌"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "记录不存在或无权访问"),
    405: ("method_not_allowed", "不支持的请求方法"),
    413: ("file_too_large", "上传内容超过大小限制"),
    415: ("unsupported_type", "不支持的文件类型"),
    422: ("unprocessable", "无法处理的内容"),
    500: ("internal_error", "服务器内部错误，请联系管理员"),
}

# What each kind of domain refusal (archive/errors.py) answers over HTTP: the one mapping.
STATUS_BY_KIND = {
    errors.INVALID: 400, errors.NOT_FOUND: 404, errors.FORBIDDEN: 403, errors.CONFLICT: 409,
    errors.UNPROCESSABLE: 422, errors.TOO_LARGE: 413, errors.UNSUPPORTED: 415, errors.INTERNAL: 500,
}


def status_for(exc: errors.DomainError) -> int:
    return STATUS_BY_KIND.get(exc.kind, 400)


def too_large_message(limit: int) -> str:
    """What a page or the API says of an upload over `limit` bytes."""
    return f"文件超过大小限制（{limit // (1024 * 1024)} MB）"


def mark_failed() -> None:
    """The request's unit of work must not be committed: an error answer commits nothing."""
    if has_request_context():
        g.rollback = True


def api_error(status: int, code: str | None = None, message: str | None = None, **extra):
    mark_failed()
    default_code, default_message = MESSAGES.get(status, ("error", "请求失败"))
    body = {"error": {"code": code or default_code, "message": message or default_message, **extra}}
    return jsonify(body), status


def error_page(status: int, message: str | None = None):
    """A plain Chinese error page (no stack trace, no internals)."""
    mark_failed()
    _, default = MESSAGES.get(status, ("", "请求失败"))
    return render_template("error.html", status=status, message=message or default), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            return api_error(exc.code or 500)
        message = None
        if exc.code == 400 and exc.description == "csrf":
            message = "页面已过期或请求来源无效，请刷新页面后重试"
        elif exc.code == 403 and exc.description and exc.description != exc.__class__.description:
            message = exc.description  # a policy refusal says what is not allowed
        return error_page(exc.code or 500, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        if _wants_json():
            return api_error(500)
        return error_page(500)
