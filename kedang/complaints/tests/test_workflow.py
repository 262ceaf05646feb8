"""R-P2: the workflow's full matrix, generated from workflow.STEPS — every action from every state by
every role (and the assigned handler): allowed steps succeed for the right people and answer 403 to
everyone else; steps that do not exist from a state answer 409. Plus the log and the timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.complaints.models import Complaint, State, Transition
from kedang.complaints.services import complaint_transition
from kedang.complaints.workflow import ACTIONS, HANDLER, STEPS, may_take
from kedang.customers.models import Record, RecordKind
from kedang.errors import Conflict

from .factories import STEP_DATA, add_handler, complaint_in

pytestmark = pytest.mark.django_db

ACTORS = [*Role.values, HANDLER]


class Rollback(Exception):
    pass


def expected(action: str, state: str, actor: str) -> str:
    step = STEPS[action]
    if state not in step.sources:
        return "409"
    role = "cs_agent" if actor == HANDLER else actor  # the handler of the tests is an agent
    return "ok" if may_take(step, role=role, is_handler=actor == HANDLER) else "403"


def attempt(users: dict[str, User], customer: Any, action: str, state: str, actor: str) -> str:
    outcome = ""
    try:
        with transaction.atomic():
            c = complaint_in(state, users, customer)
            try:
                after = complaint_transition(
                    actor=users[actor], complaint_id=c.pk, action=action, **STEP_DATA[action]
                )
                assert after.state == STEPS[action].target and after.version == c.version + 1
                outcome = "ok"
            except Conflict:
                outcome = "409"
            except PermissionDenied:
                outcome = "403"
            raise Rollback
    except Rollback:
        pass
    return outcome


@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_matrix(
    action: str, state: str, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    add_handler(users)
    customer = make_customer()
    got = {actor: attempt(users, customer, action, state, actor) for actor in ACTORS}
    assert got == {actor: expected(action, state, actor) for actor in ACTORS}


def test_the_matrix_is_not_trivial() -> None:
    """Each action is allowed from some state for someone, and refused to most roles."""
    for action in ACTIONS:
        outcomes = [expected(action, s, a) for s in State.values for a in ACTORS]
        assert "ok" in outcomes and "403" in outcomes and "409" in outcomes


def test_a_walk_to_closed_is_logged_and_on_the_timeline(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    add_handler(users)
    customer = make_customer()
    c = complaint_in(State.CLOSED, users, customer)
    log = list(
        Transition.objects.filter(complaint=c).values_list(
            "action", "from_state", "to_state", "actor__username"
        )
    )
    assert log == [
        ("receive", "", "received", "cs_agent"),
        ("confirm", "received", "confirmed", "cs_manager"),
        ("assign", "confirmed", "assigned", "cs_manager"),
        ("resolve", "assigned", "resolved", "handler"),
        ("feedback", "resolved", "feedback", "cs_agent"),
        ("close", "feedback", "closed", "cs_manager"),
    ]
    c.refresh_from_db()
    assert (c.department.name, c.handler.username, c.satisfaction) == ("售后服务部", "handler", 5)  # type: ignore[union-attr]
    assert c.closed_on is not None and c.due_on is None
    titles = list(
        Record.objects.filter(customer=customer, kind=RecordKind.COMPLAINT)
        .order_by("id")
        .values_list("title", flat=True)
    )
    assert len(titles) == 6 and titles[0].startswith(f"投诉 {c.number}：受理（电话）")
    assert titles[-1] == f"投诉 {c.number}：结案（已结案）"


def test_reopen_goes_back_to_the_handler(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    add_handler(users)
    c = complaint_in(State.CLOSED, users, make_customer())
    c = complaint_transition(
        actor=users["cs_manager"], complaint_id=c.pk, action="reopen", reason="客户再次来电"
    )
    assert (c.state, c.closed_on, c.handler.username) == (State.ASSIGNED, None, "handler")  # type: ignore[union-attr]
    assert c.due_on is not None


@pytest.mark.parametrize(
    ("state", "action", "data", "fields"),
    [
        (State.CONFIRMED, "assign", {}, ["handler", "department"]),
        (
            State.CONFIRMED,
            "assign",
            {"handler": "nobody", "department": "无此部门"},
            ["handler", "department"],
        ),
        (State.ASSIGNED, "resolve", {"resolution": "  "}, ["resolution"]),
        (State.RESOLVED, "feedback", {"opinion": "好", "satisfaction": 6}, ["satisfaction"]),
        (State.RESOLVED, "feedback", {"satisfaction": "3.5"}, ["opinion", "satisfaction"]),
        (State.RECEIVED, "reject", {}, ["reason"]),
        (State.CLOSED, "reopen", {"reason": ""}, ["reason"]),
    ],
)
def test_missing_step_data_names_the_field_and_changes_nothing(
    state: str,
    action: str,
    data: dict[str, Any],
    fields: list[str],
    users: dict[str, User],
    make_customer: Callable[..., Any],
) -> None:
    add_handler(users)
    c = complaint_in(state, users, make_customer())
    who = "handler" if action == "resolve" else "cs_agent" if action == "feedback" else "cs_manager"
    with pytest.raises(ValidationError) as exc:
        complaint_transition(actor=users[who], complaint_id=c.pk, action=action, **data)
    assert sorted(exc.value.error_dict) == sorted(fields)
    assert Complaint.objects.get(pk=c.pk).state == state


def test_a_stale_version_is_a_conflict(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer())
    with pytest.raises(Conflict):
        complaint_transition(
            actor=users["cs_manager"], complaint_id=c.pk, action="confirm", expected_version=0
        )
    complaint_transition(actor=users["cs_manager"], complaint_id=c.pk, action="confirm", expected_version=1)


def test_an_unknown_action_is_bad_input(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer())
    with pytest.raises(ValidationError) as exc:
        complaint_transition(actor=users["cs_manager"], complaint_id=c.pk, action="escalate")
    assert list(exc.value.error_dict) == ["action"]


def test_a_handler_outside_the_customers_scope_sees_and_resolves_what_she_was_given(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from kedang.complaints.selectors import get_complaint_for_user, visible_complaints

    c = complaint_in(State.CONFIRMED, users, make_customer(owner=users["account_manager"]))
    assert not visible_complaints(users["am2"]).filter(pk=c.pk).exists()
    complaint_transition(
        actor=users["cs_manager"], complaint_id=c.pk, action="assign", department="销售二部", handler="am2"
    )
    assert get_complaint_for_user(users["am2"], c.pk).pk == c.pk
    done = complaint_transition(
        actor=users["am2"], complaint_id=c.pk, action="resolve", resolution="已上门处理"
    )
    assert done.state == State.RESOLVED
