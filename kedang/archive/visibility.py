"""Who may see a customer (R-G2): the role's data scope plus approved, unexpired access grants (R-G5).
Every list, search, page, API read, export and write asks here; nothing filters by owner on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Scope
from kedang.accounts.selectors import can_write, data_scope

if TYPE_CHECKING:
    from kedang.customers.models import Customer, Vehicle

NOT_FOUND = "客户不存在"
READ_ONLY = "当前角色只读，不能修改客户档案"


def granted_customer_ids(user_id: int) -> QuerySet:
    """A subquery of the customer ids granted to the user right now; expiry needs no job."""
    from kedang.governance.models import AccessRequest, RequestStatus

    return AccessRequest.objects.filter(
        requester_id=user_id, status=RequestStatus.APPROVED, expires_at__gt=timezone.now()
    ).values_list("customer_id", flat=True)


def visibility_q(user: User, *, owner_field: str = "owner", customer_field: str = "pk") -> Q | None:
    """The user's data scope plus her access grants, as a condition on an owner field and a
    customer-id field; None means everything. An always-false condition for a user without a role."""
    scope = data_scope(user)
    if scope.scope is None:
        return Q(**{f"{customer_field}__in": []})
    if scope.scope == Scope.ALL:
        return None
    cond = Q(**{owner_field: user.pk}) | Q(**{f"{customer_field}__in": granted_customer_ids(user.pk)})
    if scope.scope == Scope.SELF:
        return cond
    return cond | Q(**{f"{owner_field}__department_id__in": scope.department_ids})


def visible(qs: QuerySet, user: User, *, customer: str = "customer") -> QuerySet:
    """Rows of any model that belong to a customer (through the `customer` path), limited to the
    customers the user may see. For models of other apps: complaints, tasks, messages, contracts…"""
    cond = visibility_q(user, owner_field=f"{customer}__owner", customer_field=f"{customer}_id")
    return qs if cond is None else qs.filter(cond)


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """The customers this user may see, not in the recycle bin."""
    from kedang.customers.models import Customer

    qs = Customer.live.all()
    cond = visibility_q(user)
    return qs if cond is None else qs.filter(cond)


def customer_for_read(user: User, customer_id: int) -> Customer:
    """The customer, or 404 — the same answer for 'does not exist' and 'not yours'."""
    customer = (
        customers_visible_to(user).select_related("owner", "owner__department").filter(pk=customer_id).first()
    )
    if customer is None:
        raise Http404(NOT_FOUND)
    return customer


def require_write(user: User, message: str = READ_ONLY) -> None:
    """403 for a role that only reads; `message` says what it cannot do."""
    if not can_write(user):
        raise PermissionDenied(message)


def customer_for_write(
    user: User, customer_id: int, *, lock: bool = True, read_only: str = READ_ONLY
) -> Customer:
    """The visible customer, locked for update unless asked not to, or 404 as for one that does not
    exist; 403 (with `read_only` as the reason) when the user's role is read-only. Call inside the
    write's transaction."""
    qs = customers_visible_to(user)
    if lock:
        qs = qs.select_for_update()
    customer = qs.filter(pk=customer_id).first()
    if customer is None:
        raise Http404(NOT_FOUND)
    require_write(user, read_only)
    return customer


def vehicles_visible_to(user: User) -> QuerySet[Vehicle]:
    from kedang.customers.models import Vehicle

    return Vehicle.live.filter(customer__in=customers_visible_to(user))


def vehicle_for_read(user: User, vehicle_id: int) -> Vehicle:
    vehicle = vehicles_visible_to(user).select_related("customer").filter(pk=vehicle_id).first()
    if vehicle is None:
        raise Http404("车辆不存在")
    return vehicle
