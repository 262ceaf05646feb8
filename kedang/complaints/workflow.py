"""The complaint workflow of R-P2 as data: which action leads from which states to which state, and
who may take it. services.transition() is the only code that reads this; the tests generate their
full matrix (every action × every state × every role) from it.

received → confirm → confirmed → assign → assigned → resolve → resolved → feedback → feedback → close → closed
received | confirmed → reject → rejected;  feedback | closed → reopen → assigned (back to the handler)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from kedang.accounts.roles import Role

from .models import State

# an actor "role" that is not a role: the complaint's assigned handler, whatever her role
HANDLER = "handler"

CS_MANAGERS = frozenset({Role.CS_MANAGER, Role.GENERAL_MANAGER})
CUSTOMER_SERVICE = frozenset({Role.CS_MANAGER, Role.CS_AGENT})


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]  # role codes, and HANDLER for the assigned handler
    label: str  # Chinese, stored in the log and on the timeline


STEPS: dict[str, Step] = {
    s.action: s
    for s in (
        Step("confirm", frozenset({State.RECEIVED}), State.CONFIRMED, CS_MANAGERS, gettext_noop("确认投诉")),
        Step("assign", frozenset({State.CONFIRMED}), State.ASSIGNED, CS_MANAGERS, gettext_noop("分派处理")),
        Step(
            "resolve",
            frozenset({State.ASSIGNED}),
            State.RESOLVED,
            CS_MANAGERS | {HANDLER},
            gettext_noop("记录处理结果"),
        ),
        Step(
            "feedback",
            frozenset({State.RESOLVED}),
            State.FEEDBACK,
            CUSTOMER_SERVICE,
            gettext_noop("回访客户意见"),
        ),
        Step("close", frozenset({State.FEEDBACK}), State.CLOSED, CS_MANAGERS, gettext_noop("结案")),
        Step(
            "reject",
            frozenset({State.RECEIVED, State.CONFIRMED}),
            State.REJECTED,
            CS_MANAGERS,
            gettext_noop("不予受理"),
        ),
        Step(
            "reopen",
            frozenset({State.FEEDBACK, State.CLOSED}),
            State.ASSIGNED,
            CS_MANAGERS,
            gettext_noop("重新处理"),
        ),
    )
}

ACTIONS = tuple(STEPS)


def allowed_from(state: str) -> list[Step]:
    """The steps that exist from `state`, in workflow order."""
    return [s for s in STEPS.values() if state in s.sources]


def may_take(step: Step, *, role: str | None, is_handler: bool) -> bool:
    return (role is not None and role in step.actors) or (is_handler and HANDLER in step.actors)
