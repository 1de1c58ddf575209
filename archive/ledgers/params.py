"""What a ledger import is asked for, read the same way from a page's form, the API's query or form
and anything else shaped like a mapping: the unit, the ledger type and the year as given (checked
later by service.import_ledger: ledger_type, the year's range)."""
from __future__ import annotations

from collections.abc import Mapping

FIELDS = ("org", "type", "year")


def import_fields(source: Mapping) -> dict[str, str]:
    """org, type and year as given: each trimmed, at most 50 characters, "" when absent (a page
    keeps them to show its form again)."""
    return {name: str(source.get(name) or "").strip()[:50] for name in FIELDS}


def import_options(fields: Mapping) -> dict:
    """The type and year of `fields` as service.import_ledger's keyword arguments, None when blank."""
    return {"type_key": fields.get("type") or None, "year": fields.get("year") or None}
