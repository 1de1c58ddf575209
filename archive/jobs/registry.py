"""Kinds of job and their runners: `@task("kind")` registers one, `enqueue("kind", ...)` queues it.

The registry knows no domain: archive/tasks.py registers the runners, and the composition root binds
the process's Services, which every runner receives as its first argument.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from huey.api import TaskWrapper

from archive.jobs.queue import configure, huey

# Huey stores "<module>.<name>" of a task in the queue: one fixed prefix and the kind, so a queued
# job still finds its runner whatever module the runner lives in.
TASK_MODULE = "archive.jobs"

_tasks: dict[str, TaskWrapper] = {}
_services: Any = None


def bind(services: Any) -> None:
    """Jobs run in this process get these Services (archive.container.Services): the database, the
    file store, the search index; and the queue is the one their settings name."""
    global _services
    _services = services
    configure(services.settings)


def bound_services() -> Any:
    if _services is None:
        raise RuntimeError("jobs run without Services: create the app (archive.create_app) first")
    return _services


def _register(kind: str, runner: Callable, decorate: Callable[..., Callable], *, queued_as: str | None = None,
              **options) -> Callable:
    if kind in _tasks:
        raise ValueError(f"job kind {kind!r} is registered twice")
    name = queued_as or kind

    def run(*args):
        return runner(bound_services(), *args)

    run.__name__, run.__module__, run.__doc__ = name, TASK_MODULE, runner.__doc__
    _tasks[kind] = decorate(name=name, **options)(run)
    return runner


def task(kind: str, *, queued_as: str | None = None, **huey_options) -> Callable[[Callable], Callable]:
    """Register `runner(services, *args)` as the job `kind` (Huey options: retries, retry_delay ...).
    `queued_as`: the name the queue knows it by, when that is older than the kind (jobs queued
    before an upgrade must still find their runner)."""
    return lambda runner: _register(kind, runner, huey.task, queued_as=queued_as, **huey_options)


def periodic(kind: str, schedule: Callable[[dt.datetime], bool], **huey_options) -> Callable[[Callable], Callable]:
    """Register `runner(services)` to run on a schedule (`crontab(...)`, in UTC); it can be enqueued
    by its kind too."""
    return lambda runner: _register(kind, runner, lambda **o: huey.periodic_task(schedule, **o), **huey_options)


def enqueue(kind: str, *args, delay: float | None = None) -> None:
    """Queue the job `kind` with these arguments (JSON-like values: a job id, a list of ids), to run
    now or after `delay` seconds. In immediate mode (the tests) it runs here and now."""
    try:
        wrapper = _tasks[kind]
    except KeyError:
        raise LookupError(f"no job kind {kind!r} registered (archive.tasks is imported by create_app)") from None
    if delay is None:
        wrapper(*args)
    else:
        wrapper.schedule(args=args, delay=delay)
