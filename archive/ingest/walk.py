"""Turn the paths a user gives into files with their org units.

Inside a folder, a sub-folder named like a child unit of the current unit descends into that unit;
any other sub-folder is a plain folder of the current unit. Starting with no unit, the walk begins
above the top units, so a folder named 河南省 descends into that province.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from sqlalchemy.orm import Session

from archive.ingest.pipeline import Incoming, no_unit_error
from archive.models import OrgUnit
from archive.orgs.service import child_named

# Files that operating systems and Office leave in folders; not documents, never reported.
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store"}


def is_system_file(name: str) -> bool:
    return name.lower() in SYSTEM_FILES or name.startswith((".", "~$"))


def walk(session: Session, paths: list[str], start: OrgUnit | None) -> Iterator[Incoming]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk_dir(session, path, _descend(session, start, path.name))
        else:
            # A missing path still yields, so it is reported as rejected rather than vanishing.
            yield _incoming(path, start)


def unit_for_folders(session: Session, start: OrgUnit, folders: list[str]) -> OrgUnit:
    """The unit a file lands in when uploaded from `folders` (its relative folder path) under `start`."""
    unit = start
    for name in folders:
        unit = _descend(session, unit, name)
    return unit


def _descend(session: Session, unit: OrgUnit | None, folder_name: str) -> OrgUnit | None:
    return child_named(session, unit, folder_name) or unit


def _walk_dir(session: Session, folder: Path, unit: OrgUnit | None) -> Iterator[Incoming]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if is_system_file(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk_dir(session, Path(entry.path), _descend(session, unit, entry.name))
        elif entry.is_file(follow_symlinks=False):
            yield _incoming(Path(entry.path), unit)


def _incoming(path: Path, unit: OrgUnit | None) -> Incoming:
    return Incoming(source=path, name=str(path), org=unit, refusal=None if unit else no_unit_error())
