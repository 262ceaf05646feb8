"""R-P3: stage deadlines in working days (across the 2025 National Day holiday), configurable; the daily
job escalates an overdue complaint once per stage, to the handler's manager."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from kedang.accounts.models import User
from kedang.agenda.daily import daily_run
from kedang.complaints.escalation import escalate_overdue_complaints
from kedang.complaints.models import Complaint, StageDeadline, State, Transition
from kedang.complaints.services import complaint_transition
from kedang.customers.models import Record, RecordKind

from .factories import STEP_DATA, add_handler, complaint_in

pytestmark = pytest.mark.django_db

D = dt.date
BEFORE_HOLIDAY = D(2025, 9, 30)  # Tuesday; Oct 1–8 are holidays, Oct 11 (Saturday) is a working day


def test_confirm_deadline_skips_the_holiday(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer(), today=BEFORE_HOLIDAY)
    assert c.due_on == D(2025, 10, 9)


def test_resolve_deadline_counts_an_adjusted_working_saturday(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    add_handler(users)
    c = complaint_in(State.CONFIRMED, users, make_customer(), today=D(2025, 10, 10))
    c = complaint_transition(
        actor=users["cs_manager"],
        complaint_id=c.pk,
        action="assign",
        today=D(2025, 10, 10),
        **STEP_DATA["assign"],
    )
    assert c.due_on == D(2025, 10, 13)  # Fri → Sat 11 (调休) → Mon 13
    assert c.stage_since == D(2025, 10, 10)


def test_deadlines_are_configurable(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    StageDeadline.objects.filter(state=State.RECEIVED).update(working_days=3)
    StageDeadline.objects.create(state=State.CONFIRMED, working_days=1)
    c = complaint_in(State.CONFIRMED, users, make_customer(), today=D(2025, 10, 9))
    assert c.due_on == D(2025, 10, 10)
    StageDeadline.objects.filter(state=State.RECEIVED).update(working_days=0)
    assert complaint_in(State.RECEIVED, users, make_customer(), today=D(2025, 10, 9)).due_on is None


def test_escalation_happens_once_per_stage(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    add_handler(users)
    customer = make_customer()
    c = complaint_in(State.RECEIVED, users, customer, today=BEFORE_HOLIDAY)
    assert escalate_overdue_complaints(D(2025, 10, 9)) == 0  # the due day itself is not overdue
    assert escalate_overdue_complaints(D(2025, 10, 10)) == 1
    assert escalate_overdue_complaints(D(2025, 10, 10)) == 0
    assert escalate_overdue_complaints(D(2025, 10, 13)) == 0
    c.refresh_from_db()
    # nobody handles it yet: up to the general manager
    assert (c.escalated_on, c.escalated_to) == (D(2025, 10, 10), users["general_manager"])
    assert Transition.objects.filter(complaint=c, action="escalate").count() == 1
    assert (
        Record.objects.filter(
            customer=customer, kind=RecordKind.COMPLAINT, title__contains="逾期上报"
        ).count()
        == 1
    )

    # a new stage may be escalated once again, now to the handler's manager
    for action, who in (("confirm", "cs_manager"), ("assign", "cs_manager")):
        c = complaint_transition(
            actor=users[who], complaint_id=c.pk, action=action, today=D(2025, 10, 13), **STEP_DATA[action]
        )
    assert (c.escalated_on, c.escalated_to, c.due_on) == (None, None, D(2025, 10, 15))
    assert escalate_overdue_complaints(D(2025, 10, 16)) == 1
    assert escalate_overdue_complaints(D(2025, 10, 17)) == 0
    c.refresh_from_db()
    assert c.escalated_to == users["svc_boss"]


def test_the_daily_job_runs_the_escalation_idempotently(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer(), today=BEFORE_HOLIDAY)
    first = daily_run(D(2025, 10, 10))
    second = daily_run(D(2025, 10, 10))
    assert (first.parts["complaints"], second.parts["complaints"]) == (1, 0)
    assert Complaint.objects.get(pk=c.pk).escalated_on == D(2025, 10, 10)


def test_closed_complaints_are_never_escalated(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    add_handler(users)
    complaint_in(State.REJECTED, users, make_customer(), today=BEFORE_HOLIDAY)
    complaint_in(State.CLOSED, users, make_customer(), today=BEFORE_HOLIDAY)
    assert escalate_overdue_complaints(D(2025, 12, 1)) == 0


def test_an_escalated_complaint_waits_on_the_general_managers_home_page(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from kedang.complaints.selectors import awaiting_complaints

    c = complaint_in(State.RECEIVED, users, make_customer(), today=BEFORE_HOLIDAY)
    assert not awaiting_complaints(users["general_manager"], D(2025, 10, 10)).exists()
    escalate_overdue_complaints(D(2025, 10, 10))
    assert list(awaiting_complaints(users["general_manager"], D(2025, 10, 10))) == [c]
    assert list(awaiting_complaints(users["cs_manager"], D(2025, 10, 10))) == [c]
    assert not awaiting_complaints(users["cs_agent"], D(2025, 10, 10)).exists()
