"""Reads over complaints. Each takes the user and applies visibility (R-G2) first: a complaint is
visible with its customer, and to the handler it was assigned to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from kedang.accounts.models import User
from kedang.accounts.roles import Role

from .models import OPEN_STATES, Category, Channel, Compensation, CompensationStatus, Complaint, State
from .workflow import CUSTOMER_SERVICE


def visible_complaints(user: User) -> QuerySet[Complaint]:
    """The complaints of the customers the user may see (R-G2), and those assigned to her to handle."""
    from kedang.archive.visibility import visibility_q

    qs = Complaint.objects.filter(customer__deleted_at__isnull=True)
    cond = visibility_q(user, owner_field="customer__owner", customer_field="customer_id")
    return qs if cond is None else qs.filter(cond | Q(handler_id=user.pk))


def get_complaint_for_user(user: User, complaint_id: int) -> Complaint:
    """The complaint, or 404 — the same answer for 'does not exist' and 'not yours'."""
    complaint = (
        visible_complaints(user)
        .select_related(
            "customer",
            "customer__owner",
            "vehicle",
            "category",
            "category__parent",
            "department",
            "handler",
            "created_by",
            "escalated_to",
            "call",
        )
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise Http404("投诉不存在")
    return complaint


# the list's keyset (kedang.web.paging): overdue first, then by deadline (none: last), newest first
LIST_ORDER = ("overdue", "due_key", "-id")
NO_DEADLINE = dt.date(9999, 12, 31)


def overdue_first(qs: QuerySet[Complaint], today: dt.date) -> QuerySet[Complaint]:
    """Overdue open complaints first (the oldest deadline first), then the rest by deadline."""
    return qs.annotate(
        overdue=Case(
            When(state__in=OPEN_STATES, due_on__lt=today, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        due_key=Coalesce("due_on", Value(NO_DEADLINE), output_field=DateField()),
    ).order_by(*LIST_ORDER)


def complaint_search(
    user: User,
    *,
    today: dt.date,
    q: str = "",
    state: str = "",
    channel: str = "",
    category: int | None = None,
    department: int | None = None,
    handler: str = "",
    overdue: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Complaint]:
    """The complaint list with its filters, overdue first (the list page and its export)."""
    qs = visible_complaints(user).select_related(
        "customer", "vehicle", "category", "category__parent", "handler", "department"
    )
    if q.strip():
        text = q.strip()
        qs = qs.filter(
            Q(number__icontains=text) | Q(customer__name__icontains=text) | Q(summary__icontains=text)
        )
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state in State.values:
        qs = qs.filter(state=state)
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(Q(category_id=category) | Q(category__parent_id=category))
    if department:
        qs = qs.filter(department_id=department)
    if handler:
        qs = qs.filter(handler__username=handler)
    if overdue:
        qs = qs.filter(state__in=OPEN_STATES, due_on__lt=today)
    if start:
        qs = qs.filter(received_on__gte=start)
    if end:
        qs = qs.filter(received_on__lte=end)
    return overdue_first(qs, today)


def awaiting_q(user: User) -> Q:
    """The complaints whose next step is this user's: to confirm, assign or close (the customer-service
    manager), to resolve (the handler), to call back (customer service), or escalated to her."""
    cond = Q(handler_id=user.pk, state=State.ASSIGNED) | Q(escalated_to_id=user.pk)
    # the general manager may take these steps too, but only what is escalated to her waits on her page
    if user.role == Role.CS_MANAGER:
        cond |= Q(state__in=[State.RECEIVED, State.CONFIRMED, State.FEEDBACK])
    if user.role in CUSTOMER_SERVICE:
        cond |= Q(state=State.RESOLVED)
    return cond


def awaiting_complaints(user: User, today: dt.date) -> QuerySet[Complaint]:
    qs = visible_complaints(user).filter(awaiting_q(user), state__in=OPEN_STATES)
    return overdue_first(qs, today).select_related("customer", "handler", "category", "category__parent")


def pending_compensations(user: User) -> QuerySet[Compensation]:
    from .services import may_approve_compensation

    if not may_approve_compensation(user):
        return Compensation.objects.none()
    return Compensation.objects.filter(
        status=CompensationStatus.PENDING, complaint__in=visible_complaints(user)
    ).exclude(requested_by=user)


@dataclass(frozen=True)
class CategoryOption:
    id: int
    label: str
    depth: int


def category_options() -> list[CategoryOption]:
    """The active category tree, depth-first, for a select box."""
    nodes = list(Category.objects.filter(active=True).order_by("order", "id"))
    children: dict[int | None, list[Category]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    out: list[CategoryOption] = []

    def walk(parent: int | None, depth: int) -> None:
        for n in children.get(parent, []):
            out.append(CategoryOption(n.pk, n.name, depth))
            walk(n.pk, depth + 1)

    walk(None, 0)
    return out


def home_context(user: User, today: dt.date) -> dict[str, object]:
    """The complaints' part of the home page (R-H1): the ones awaiting this user, overdue first, with counts,
    and the compensations waiting for her approval."""
    awaiting = awaiting_complaints(user, today)
    counts = awaiting.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    return {
        "complaints_awaiting": list(awaiting[:10]),
        "complaint_counts": counts,
        "compensations_pending": pending_compensations(user).count(),
    }
