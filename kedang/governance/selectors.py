"""Reads for governance pages: requests awaiting a decision, one's own requests, the recycle bin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.selectors import is_manager
from kedang.archive.masking import CUSTOMER_FIELDS as CUSTOMER_MASKED
from kedang.archive.masking import change_value_shown
from kedang.archive.visibility import visibility_q
from kedang.customers.models import Customer

from .filing import FILING_SUPERVISORS, can_approve_changes
from .models import AccessRequest, ChangeRequest, RecycleBinEntry, RequestStatus
from .services import can_approve_access


def pending_access_requests(user: User) -> QuerySet[AccessRequest]:
    if not can_approve_access(user):
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(status=RequestStatus.PENDING).select_related(
        "requester", "requester__department", "customer__owner"
    )


@dataclass(frozen=True)
class RequestSubject:
    """What a viewer is shown of the customer an access request is for."""

    asked: str  # what the requester asked for: 档号 … / 客户编号 …
    customer_id: int | None
    archive_no: str
    name: str
    owner: str
    found: bool | None  # for the approver: whether an archive matched; None for the requester


def request_subject(req: AccessRequest, viewer: User) -> RequestSubject:
    """The approver sees the customer (or that nothing matched); the requester sees only what she
    asked for — no name, archive number or owner, not even whether it exists — until her grant
    runs, and again nothing once it has run out (#13, R-G2)."""
    c = req.customer
    approver = can_approve_access(viewer)
    granted = (
        req.requester_id == viewer.pk
        and req.status == RequestStatus.APPROVED
        and req.expires_at is not None
        and req.expires_at > timezone.now()
    )
    if c is not None and (approver or granted):
        return RequestSubject(req.asked, c.pk, c.archive_no, c.name, str(c.owner), True if approver else None)
    return RequestSubject(
        req.asked, req.asked_customer_id, req.asked_archive_no, "", "", (c is not None) if approver else None
    )


def my_access_requests(user: User, limit: int | None = 50) -> QuerySet[AccessRequest]:
    """The user's own requests, the newest first: the page shows the latest `limit`, an export all.
    Show each through `request_subject`."""
    qs = AccessRequest.objects.filter(requester=user).select_related("customer__owner", "decided_by")
    return qs if limit is None else qs[:limit]


def recycle_bin(user: User) -> QuerySet[RecycleBinEntry]:
    """Entries waiting to be purged, of customers within the manager's scope (managers only)."""
    if not is_manager(user):
        return RecycleBinEntry.objects.none()
    qs = RecycleBinEntry.objects.filter(restored_at__isnull=True).select_related("deleted_by")
    cond = visibility_q(user, owner_field="customer__owner", customer_field="customer_id")
    return qs if cond is None else qs.filter(cond)


def pending_changes(user: User) -> QuerySet[ChangeRequest]:
    """Proposed changes to filed archives awaiting this approver."""
    if not can_approve_changes(user):
        return ChangeRequest.objects.none()
    return ChangeRequest.objects.filter(status=RequestStatus.PENDING).select_related("customer", "requester")


def change_rows(req: ChangeRequest, viewer: User) -> list[tuple[str, str, str]]:
    """(label, before, after) for the reviewer, masked for her."""
    from kedang.customers.models import Customer

    rows = []
    for name, after in req.changes.items():
        try:
            label = str(getattr(Customer._meta.get_field(name), "verbose_name", name))
        except FieldDoesNotExist:
            label = name
        before = req.before.get(name, "")
        if before != after:
            rows.append(
                (
                    label,
                    change_value_shown(viewer, name, _text(before)),
                    change_value_shown(viewer, name, _text(after)),
                )
            )
    return rows


def change_shown(values: dict[str, Any], viewer: User) -> dict[str, Any]:
    """A change request's `changes` or `before` for the API, each masked value as the viewer may see it."""
    return {
        k: change_value_shown(viewer, k, v) if k in CUSTOMER_MASKED and v else v for k, v in values.items()
    }


def _text(value: object) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def filings_awaiting(user: User) -> QuerySet[Customer]:
    """Archives submitted for filing, awaiting a supervisor other than their handler."""
    from kedang.archive.visibility import customers_visible_to

    if user.role not in FILING_SUPERVISORS:
        return Customer.objects.none()
    return (
        customers_visible_to(user)
        .filter(filing_submitted_at__isnull=False, filed_at__isnull=True)
        .exclude(filing_handler=user)
        .select_related("filing_handler", "owner")
    )


FILINGS_CAP = 1000


def awaiting_me(user: User) -> dict[str, int]:
    """What waits for this user's decision (the home page's 待审批 card, R-H1), and her overdue loans."""
    from django.utils import timezone

    from .models import Loan, LoanStatus
    from .paper import is_archive_keeper

    counts = {
        "access": pending_access_requests(user).count(),
        "changes": pending_changes(user).count(),
        # over the partial index of the pending filings, counted only up to a cap (issue #20)
        "filings": min(filings_awaiting(user).order_by()[: FILINGS_CAP + 1].count(), FILINGS_CAP),
        "loans": Loan.objects.filter(status=LoanStatus.REQUESTED).count() if is_archive_keeper(user) else 0,
    }
    overdue = Loan.objects.filter(status=LoanStatus.LENT, due_date__lt=timezone.localdate())
    counts["total"] = sum(counts.values())
    counts["my_overdue_loans"] = overdue.filter(borrower=user).count()
    counts["overdue_loans"] = overdue.count() if is_archive_keeper(user) else 0
    return counts
