"""Archive standards as data: retention periods, classification schemes, fonds assignment, the
collection scope, ledger (台账) types and the household-file (一户一档) items, read from YAML under
standards/ and validated when loaded.

The rules live in data so that a county whose scheme differs edits YAML, not code (see
docs in standards/*.yaml and STANDARDS.md). This module reads the folder (`load`); the typed objects
are in model.py, the readers per file kind in scheme_files.py and ledger_files.py, the YAML node
reader in yamlfile.py and unit paths and levels in units.py.
"""
from __future__ import annotations

import os
from pathlib import Path

from archive.standards.ledger_files import read_household_files, read_ledgers
from archive.standards.model import (DEFAULT_VOLUME_CODE_PATTERN, HOUSEHOLD_STAGES, LEDGER_KINDS, LEVELS,
                                     PATTERN_FIELDS, DocClass, FondsRule, HouseholdItem, LedgerField, LedgerType,
                                     Retention, Scheme, ScopeItem, Standards, StandardsError)
from archive.standards.scheme_files import read_fonds, read_retention, read_scheme, read_scope
from archive.standards.units import CODE_LENGTHS, level_of, split_path, unit_code
from archive.standards.yamlfile import YamlFile

__all__ = [
    "CODE_LENGTHS", "DEFAULT_VOLUME_CODE_PATTERN", "HOUSEHOLD_STAGES", "LEDGER_KINDS", "LEVELS", "PATTERN_FIELDS",
    "STANDARDS_DIR", "DocClass", "FondsRule", "HouseholdItem", "LedgerField", "LedgerType", "Retention", "Scheme",
    "ScopeItem", "Standards", "StandardsError", "level_of", "load", "split_path", "unit_code",
]

STANDARDS_DIR = Path(os.environ.get("ARCHIVE_STANDARDS_DIR")
                     or Path(__file__).resolve().parent.parent.parent / "standards")

_cache: dict[Path, Standards] = {}


def load(directory: Path | None = None, *, fresh: bool = False) -> Standards:
    """Read and validate the standards folder (default: ARCHIVE_STANDARDS_DIR or STANDARDS_DIR).
    Cached per directory; fresh=True re-reads. Raises StandardsError on the first problem."""
    directory = Path(directory or os.environ.get("ARCHIVE_STANDARDS_DIR") or STANDARDS_DIR).resolve()
    if fresh or directory not in _cache:
        def open_(relative: str) -> YamlFile:
            return YamlFile(directory / relative, f"{directory.name}/{relative}")

        retention, legacy = read_retention(open_("retention.yaml"))
        files = sorted((directory / "schemes").glob("*.yaml"))
        if not files:
            raise StandardsError(f"{directory.name}/schemes", None, "没有分类方案文件 / no scheme files (*.yaml)")
        schemes = {p.stem: read_scheme(open_(f"schemes/{p.name}"), p.stem, retention) for p in files}
        default, rules, prefix, fallback = read_fonds(open_("fonds.yaml"), schemes)
        scope = read_scope(open_("scope.yaml"), schemes, default)
        # Optional files: a folder without them has no ledger types and no household-file items.
        ledger_types = read_ledgers(open_("ledgers.yaml")) if (directory / "ledgers.yaml").exists() else {}
        household = ((), (), ())
        if (directory / "household_files.yaml").exists():
            household = read_household_files(open_("household_files.yaml"), schemes[default].classes)
        _cache[directory] = Standards(schemes, default, retention, legacy, scope, rules, prefix, fallback,
                                      ledger_types, *household)
    return _cache[directory]
