import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write
from kedang.agenda.views import home_context
from kedang.archive.visibility import customers_visible_to
from kedang.archive.visibility import visible as visible_rows
from kedang.care.selectors import care_tasks
from kedang.complaints.selectors import home_context as complaints_home
from kedang.customers.models import Record
from kedang.customers.selectors import customer_counts
from kedang.governance.selectors import awaiting_me
from kedang.web.paging import capped_count, count_label


def _figure(qs: Any) -> int | str:
    """A count for a card: the number, or "1000+" past the cap."""
    n, exact = capped_count(qs)
    return n if exact else count_label(n, exact)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台 (R-H1): today's follow-up calls (agenda), recent customers and activity. Care, complaints and
    approvals (governance) are here too."""
    user = request.user
    assert isinstance(user, User)
    visible = customers_visible_to(user)
    today = timezone.localdate()
    month_start = dt.datetime.combine(
        today.replace(day=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    counts = customer_counts(user, month_start=month_start)
    context = {
        "counts": counts,
        "new_this_month": counts["new_this_month"],
        "recent": visible.select_related("owner").order_by("-created_at", "-id")[:10],
        # the newest records over the index of created_at, each checked against the visibility by a join
        # (not an IN over every visible customer)
        "records": visible_rows(Record.objects.filter(customer__deleted_at__isnull=True), user)
        .select_related("customer", "created_by")
        .order_by("-created_at", "-id")[:12],
        "can_create": can_write(user),
        "awaiting": awaiting_me(user),
        **home_context(user, today),
        **complaints_home(user, today),
        "care_due": _figure(care_tasks(user, due_to=today)),
    }
    return render(request, "web/home.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the page in the product's frame (menu kept) with the reason the view gave, e.g.
    当前角色只读; the API keeps its JSON (it answers its own PermissionDenied, this covers the rest)."""
    reason = str(exception or "") or "无权访问此页面"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": reason}, status=403)
    return render(request, "403.html", {"reason": reason}, status=403)
