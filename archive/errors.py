"""The one error type of the domains: a request refused for what it asks or carries.

`code` is for machines (stable, snake_case), `message` is Chinese for people, `kind` says what sort of
refusal it is, in words a face can translate: the API maps kinds to HTTP statuses in one place
(web/api/base.py), the pages to an error message, the CLI to an exit status. Domains never know HTTP.

A domain's error class subclasses DomainError and may set its default `kind` and a `KINDS` table for
codes of another kind (`{"document_not_found": "not_found"}`), so the raise sites only say the code.
"""
from __future__ import annotations

# The kinds of refusal, and what each means.
INVALID = "invalid"              # the request itself is malformed or names a bad value
NOT_FOUND = "not_found"          # no such record, or one outside the user's scope (never told apart)
FORBIDDEN = "forbidden"          # the user's role may not do this
CONFLICT = "conflict"            # the record's present state does not allow it (try after a change)
UNPROCESSABLE = "unprocessable"  # a well-formed request whose content cannot be used (a broken file)
TOO_LARGE = "too_large"          # over a size limit
UNSUPPORTED = "unsupported"      # a file type that is not accepted
INTERNAL = "internal"            # not the request's fault (the database failed): nothing was kept, try again

KINDS = (INVALID, NOT_FOUND, FORBIDDEN, CONFLICT, UNPROCESSABLE, TOO_LARGE, UNSUPPORTED, INTERNAL)


class DomainError(Exception):
    kind: str = INVALID
    KINDS: dict[str, str] = {}
    default_code = "invalid"
    default_message = "请求无效"

    def __init__(self, code: str | None = None, message: str | None = None, kind: str | None = None, **extra):
        self.code = code or self.default_code
        self.message = message or self.default_message
        super().__init__(self.message)
        self.kind = kind or self.KINDS.get(self.code) or type(self).kind
        self.extra = extra  # more fields for the answer (field, archive_code ...)

    def __reduce__(self):
        # Worker processes send errors back pickled: replay the constructor's own arguments.
        return (_rebuild, (type(self), self.code, self.message, self.kind, self.__dict__))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.extra}


def _rebuild(cls, code, message, kind, state):
    error = DomainError.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error
