"""Job rows as people see them: create one, fetch one within the user's reach, its JSON shape."""
from __future__ import annotations

from sqlalchemy.orm import Session

from archive.errors import NOT_FOUND, DomainError
from archive.models import Job, OrgUnit, User


class JobNotFound(DomainError):
    """No such job, or another user's: the two are never told apart (like auth.scope.OutOfScope)."""
    kind = NOT_FOUND
    default_code = "not_found"
    default_message = "记录不存在或无权访问"


def create_job(session: Session, *, kind: str, user: User | None, org: OrgUnit | None, params: dict,
               job_id: str | None = None) -> Job:
    job = Job(id=job_id, kind=kind, user_id=user.id if user else None, org_id=org.id if org else None,
              params=params)
    session.add(job)
    session.flush()
    return job


def get_for(session: Session, user: User, job_id: str) -> Job:
    """A job as seen by `user`: their own, or, for an admin, any job of a unit in their scope."""
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound()
    if job.user_id == user.id:
        return job
    org = session.get(OrgUnit, job.org_id) if job.org_id else None
    # The scope rule of auth.scope.in_scope (a unit and everything below it); jobs import no domain.
    if user.role == "admin" and org is not None and org.lineage.startswith(user.org.lineage):
        return job
    raise JobNotFound()


def job_dict(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "progress": round(job.done / job.total, 3) if job.total else (1.0 if job.status == "done" else 0.0),
        "results": job.results,
        "error": job.error,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
