"""Analyse an uploaded file on disk: size check, sniff, guards, extraction.

Parsing hostile files is done in worker processes with a hard time limit and
an address-space cap, so a file that hangs or balloons a parser costs one
killed worker, not the web/ingest process.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from collections import deque
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Iterable, Iterator

from pebble import ProcessExpired, ProcessPool

from .extract import extract
from .guards import check_image, check_zip, too_complex
from .sniff import sniff
from .types import IMAGE_KINDS, Extracted, IngestError
from archive.config import Limits

WORKERS = 2
MEMORY_LIMIT = 4 * 1024 ** 3
_AHEAD = 4 * WORKERS          # tasks queued beyond the running ones in analyse_many
# Imported once in the fork server so respawned workers start warm.
_PRELOAD = [__name__, *(f"{__package__}.extract.{m}" for m in ("pdf", "docx", "xlsx", "txt", "image"))]

log = logging.getLogger(__name__)
_pool: ProcessPool | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()
atexit.register(lambda: shutdown_pool())


def analyse(path: str, limits: Limits = Limits(), *, in_process: bool = False) -> Extracted:
    """Sniff, guard and extract `path`; raise IngestError if it is refused.

    in_process=True skips the worker (no time or memory limit) for debugging.
    """
    _check_size(path, limits)
    if in_process:
        return analyse_file(path, limits)
    result = _outcome(_schedule(path, limits))
    if isinstance(result, IngestError):
        raise result
    return result


def analyse_many(paths: Iterable[str], limits: Limits = Limits()) -> Iterator[Extracted | IngestError]:
    """Yield one result per path, in order: an Extracted or the IngestError.

    Tasks are submitted ahead of the one being waited on so both workers stay
    busy; the time limit only starts when a worker picks a task up.
    """
    pending: deque = deque()
    try:
        for path in paths:
            try:
                _check_size(path, limits)
                pending.append(_schedule(path, limits))
            except IngestError as error:
                pending.append(error)
            while len(pending) > _AHEAD:
                yield _outcome(pending.popleft())
        while pending:
            yield _outcome(pending.popleft())
    finally:
        for item in pending:
            if not isinstance(item, IngestError):
                item.cancel()


def analyse_file(path: str, limits: Limits) -> Extracted:
    """The work done inside a worker: sniff, guard, extract."""
    try:
        kind = sniff(path)
        if kind in ("docx", "xlsx"):
            check_zip(path, limits)
        elif kind in IMAGE_KINDS:
            check_image(path, limits)
        return extract(path, kind, limits)
    except MemoryError:
        raise too_complex() from None


def shutdown_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None and _pool_pid == os.getpid():
            _pool.stop()
            _pool.join()
        _pool = None


def _check_size(path: str, limits: Limits) -> None:
    if os.path.getsize(path) > limits.max_bytes:
        raise IngestError("file_too_large", f"文件超过大小限制（{_human_size(limits.max_bytes)}）")


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    return f"{n / 1024:.4g} KB"


def _schedule(path: str, limits: Limits):
    return _get_pool().schedule(analyse_file, args=(path, limits), timeout=limits.timeout_seconds)


def _outcome(item) -> Extracted | IngestError:
    if isinstance(item, IngestError):
        return item
    try:
        return item.result()
    except IngestError as error:
        return error
    except FutureTimeout:
        return IngestError("timeout", "文件解析超时")
    except (ProcessExpired, MemoryError) as error:
        # The worker died: most likely it hit the address-space cap inside C code.
        log.warning("ingest worker died: %r", error)
        return too_complex()


def _get_pool() -> ProcessPool:
    global _pool, _pool_pid
    with _pool_lock:
        # A pool inherited through fork (e.g. a pre-forking server) is not ours.
        if _pool is None or _pool_pid != os.getpid() or not _pool.active:
            # forkserver, not fork: the parent has threads (pebble's own, the
            # web server's), and forking a threaded process can deadlock.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            _pool = ProcessPool(
                max_workers=WORKERS,
                initializer=_limit_memory,
                initargs=(MEMORY_LIMIT,),
                context=context,
            )
            _pool_pid = os.getpid()
        return _pool


def _limit_memory(limit: int) -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
