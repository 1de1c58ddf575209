"""The one error of the table reader: a file that cannot be read as a table at all.

Codes (for machines; `message` is Chinese, for people): empty_file, too_large, encrypted, malformed,
unsupported_type, bad_encoding, zip_bomb, xml_entity, too_complex, too_many_rows, no_header, empty,
no_table. Every code is of kind UNPROCESSABLE: the faces that answer 413/415 for some codes do so
themselves, as they did before the reader was shared.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from archive.errors import UNPROCESSABLE, DomainError


class TableFileError(DomainError):
    """The file cannot be read as a table. The importers subclass it (LedgerFileError, ImportFileError)."""

    kind = UNPROCESSABLE


@contextmanager
def refused_as(cls: type[TableFileError]) -> Iterator[None]:
    """Inside: a TableFileError leaves as the importer's own subclass `cls` (its callers catch that)."""
    try:
        yield
    except TableFileError as error:
        if isinstance(error, cls):
            raise
        raise cls(error.code, error.message, **error.extra) from None


def malformed(message: str = "文件已损坏或格式不受支持，无法读取") -> TableFileError:
    return TableFileError("malformed", message)


def too_complex() -> TableFileError:
    return TableFileError("too_complex", "文件过于复杂，读取时资源不足")
