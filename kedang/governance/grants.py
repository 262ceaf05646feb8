"""Approved, unexpired access requests: the customers a user may see beyond her data scope (R-G2)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import AccessRequest, RequestStatus


def granted_customer_ids(user_id: int) -> QuerySet[AccessRequest, int]:
    """A subquery of the customer ids granted to the user right now; expiry needs no job."""
    return AccessRequest.objects.filter(
        requester_id=user_id, status=RequestStatus.APPROVED, expires_at__gt=timezone.now()
    ).values_list("customer_id", flat=True)
