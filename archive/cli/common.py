"""What the command modules share: the app's services, JSON and error output, the progress bar, the
atomic write of an output file, looking up what the user named (a unit, a record) or failing with
the reason, and the `--mask` rule for personal numbers.

Exit codes: 0 done, 1 the work found problems (or, for some commands, a refusal of the work), 2 the
command line names something that does not exist or is invalid.
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, NoReturn

import click
from flask import current_app

from archive.auth.actor import CLI
from archive.auth.scope import OutOfScope
from archive.errors import DomainError
from archive.ledgers import service as ledgers
from archive.models import OrgUnit
from archive.orgs import service as orgs
from archive.storage import atomic_file

JSON_HELP = "JSON 输出 / JSON output"
MASK_HELP = "身份证号码、电话号码脱敏显示 / mask ID and phone numbers"


def services():
    """The app's services (archive/container.py) of the current app context."""
    return current_app.extensions["archive"]


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"错误 / error: {message}", err=True)
    sys.exit(code)


def json_option(help: str = JSON_HELP):
    return click.option("--json", "as_json", is_flag=True, help=help)


def mask_option(help: str = MASK_HELP):
    return click.option("--mask", is_flag=True, help=help)


class _Nowhere:
    """A stream that swallows the progress bar when stderr is not a terminal."""

    def write(self, *_):
        pass

    def flush(self):
        pass

    def isatty(self):
        return False


def progress_bar(label: str, length: int = 1, *, show: bool | None = None):
    """A click progress bar on stderr, drawn only when `show` (default: stderr is a terminal)."""
    if show is None:
        show = sys.stderr.isatty()
    return click.progressbar(length=length, file=sys.stderr if show else _Nowhere(), label=label)


@contextmanager
def atomic_output(output: str | Path) -> Iterator[BinaryIO]:
    """Write an output file so that it appears under its name only when complete: the writing goes
    to a hidden `.NAME.….part` beside it, renamed at the end; on any failure nothing is left behind."""
    target = Path(output)
    with atomic_file(target, prefix=f".{target.name}.", suffix=".part", durable=False) as partial:
        with partial.open("wb") as out:
            yield out


def resolve_org(session, ref: str) -> OrgUnit:
    """The unit given as a display path or division code; exit 2 with the reason when there is none."""
    try:
        return orgs.resolve(session, ref)
    except DomainError as e:
        fail(e.message, 2)


def get_or_fail(getter, *args, missing: str, code: int = 2, **kwargs):
    """`getter(*args, **kwargs)`, a service lookup; exit `code` with `missing` when the record does
    not exist (OutOfScope)."""
    try:
        return getter(*args, **kwargs)
    except OutOfScope:
        fail(missing, code)


def unmasked(session, mask: bool, *, object_type: str, object_id, org_id: int | None, what: str) -> bool:
    """Whether ID and phone numbers are shown in full: to the operator at the command line unless
    `--mask`; every such showing is audited ("personal_view")."""
    return ledgers.personal_access(session, CLI, not mask, object_type=object_type, object_id=object_id,
                                   org_id=org_id, what=what)
