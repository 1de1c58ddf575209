"""The life of a rectification item, as pure rules (no database, no Flask): which action is legal in
which state and what it needs. The service gathers the facts, asks `decide`, and applies the answer.

    未整改 ──start──▶ 整改中 ──submit──▶ 已整改待验收 ──accept──▶ 已销号
                        ▲ ◀────reject─────────┘                    │
                        └──────────────reopen──────────────────────┘
    extend (延期): any state but 已销号; a reason and a new, later deadline; the state stays.

立改立销、不改不销 (STANDARDS.md §5): submitting needs the progress and at least one evidence document;
closing needs evidence, an acceptance opinion, and an acceptor who is neither the clerk responsible
nor the one who submitted the item for acceptance.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from archive.errors import CONFLICT, DomainError

STATES = {
    "not_started": "未整改",
    "in_progress": "整改中",
    "awaiting_acceptance": "已整改待验收",
    "closed": "已销号",
}
STATE_CODES = {name: code for code, name in STATES.items()}

ACTIONS = {
    "start": "开始整改",
    "submit": "提交验收",
    "accept": "验收销号",
    "reject": "退回整改",
    "extend": "延期",
    "reopen": "重新整改",
}

# action -> (states it may start from, the state it leads to; None: unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "start": (("not_started",), "in_progress"),
    "submit": (("in_progress",), "awaiting_acceptance"),
    "accept": (("awaiting_acceptance",), "closed"),
    "reject": (("awaiting_acceptance",), "in_progress"),
    "extend": (("not_started", "in_progress", "awaiting_acceptance"), None),
    "reopen": (("closed",), "in_progress"),
}

# Not overdue any more once the work is handed in (waiting for acceptance) or closed.
OPEN_STATES = ("not_started", "in_progress")


class IllegalTransition(DomainError):
    """An action the item's state does not allow: `code` for machines, `message` (Chinese) for people."""

    kind = CONFLICT


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about the item and the person acting."""
    state: str
    deadline: dt.date | None
    evidence: int                       # linked evidence documents (not in the trash)
    progress: str = ""                  # 进展 already recorded
    responsible_user_id: int | None = None
    submitted_by_id: int | None = None
    actor_id: int | None = None         # None: the operator at the command line (no name)


@dataclass(frozen=True)
class Request:
    """What the person asks for along with the action."""
    comment: str = ""
    progress: str = ""
    opinion: str = ""
    new_deadline: dt.date | None = None


def state_name(code: str | None) -> str:
    return STATES.get(code or "", code or "")


def parse_state(value: str | None) -> str | None:
    """A state given as its code or its Chinese name; None when empty; ValueError when unknown."""
    text = (value or "").strip()
    if not text:
        return None
    if text in STATES:
        return text
    if text in STATE_CODES:
        return STATE_CODES[text]
    raise ValueError(f"状态“{text[:20]}”无效，应为 {'、'.join(STATES.values())} 之一")


def available(state: str) -> list[str]:
    """The actions the state allows (what each one needs besides is checked by `decide`)."""
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]


def decide(action: str, facts: Facts, request: Request, *, today: dt.date) -> str:
    """The state the item moves to, or IllegalTransition with the reason it may not."""
    if action not in TRANSITIONS:
        raise IllegalTransition("unknown_action", f"未知的操作“{action[:20]}”，可用：{'、'.join(TRANSITIONS)}")
    sources, target = TRANSITIONS[action]
    if facts.state not in sources:
        allowed = "、".join(f"“{STATES[s]}”" for s in sources)
        raise IllegalTransition("wrong_state", f"“{ACTIONS[action]}”只适用于{allowed}的问题，"
                                               f"该问题当前为“{state_name(facts.state)}”")
    check = _CHECKS.get(action)
    if check is not None:
        check(facts, request, today)
    return target or facts.state


def _submit(facts: Facts, request: Request, today: dt.date) -> None:
    if not (request.progress.strip() or facts.progress.strip()):
        raise IllegalTransition("progress_required", "提交验收前须填写整改进展（做了什么、结果如何）")
    if facts.evidence < 1:
        raise IllegalTransition("evidence_required", "提交验收前须至少关联一份佐证材料")


def _accept(facts: Facts, request: Request, today: dt.date) -> None:
    if facts.evidence < 1:
        raise IllegalTransition("evidence_required", "没有佐证材料，不能销号（不改不销）")
    if not request.opinion.strip():
        raise IllegalTransition("opinion_required", "销号须填写验收意见")
    if facts.actor_id is None:
        raise IllegalTransition("acceptor_required", "验收销号须由具名用户进行（命令行请用 --user 指定验收人）")
    if facts.responsible_user_id is not None and facts.actor_id == facts.responsible_user_id:
        raise IllegalTransition("acceptor_is_responsible", "责任人不能验收自己负责整改的问题，须由其他人验收")
    if facts.submitted_by_id is not None and facts.actor_id == facts.submitted_by_id:
        raise IllegalTransition("acceptor_is_submitter", "提交验收的人不能验收同一问题，须由其他人验收")


def _reject(facts: Facts, request: Request, today: dt.date) -> None:
    if not request.comment.strip():
        raise IllegalTransition("comment_required", "退回整改须说明原因")


def _extend(facts: Facts, request: Request, today: dt.date) -> None:
    if not request.comment.strip():
        raise IllegalTransition("reason_required", "延期须说明原因")
    new = request.new_deadline
    if new is None:
        raise IllegalTransition("deadline_required", "延期须给出新的整改时限")
    if new <= today:
        raise IllegalTransition("deadline_not_in_future", f"新的整改时限 {new.isoformat()} 应晚于今天（{today.isoformat()}）")
    if facts.deadline is not None and new <= facts.deadline:
        raise IllegalTransition("deadline_not_later",
                                f"新的整改时限 {new.isoformat()} 应晚于原时限 {facts.deadline.isoformat()}")


def _reopen(facts: Facts, request: Request, today: dt.date) -> None:
    if not request.comment.strip():
        raise IllegalTransition("reason_required", "重新整改须说明原因（如问题反弹、复查未通过）")


_CHECKS = {"submit": _submit, "accept": _accept, "reject": _reject, "extend": _extend, "reopen": _reopen}


def is_overdue(state: str, deadline: dt.date | None, today: dt.date) -> bool:
    return state in OPEN_STATES and deadline is not None and deadline < today
