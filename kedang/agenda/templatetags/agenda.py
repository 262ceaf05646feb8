"""Template helpers of the agenda: the archive page's 回访 tab, status badges."""

from __future__ import annotations

from typing import Any

from django import template

from kedang.accounts.models import User

register = template.Library()

STATUS_BADGES = {
    "open": "text-bg-primary",
    "done": "text-bg-success",
    "unreachable": "text-bg-warning",
    "expired": "text-bg-secondary",
    "cancelled": "text-bg-light border",
}


@register.inclusion_tag("agenda/_customer_tab.html", takes_context=True)
def followups_tab(context: template.Context) -> dict[str, Any]:
    """The 回访 tab of the archive page: record a service event; the customer's tasks and calls."""
    from kedang.agenda.views import customer_tab_context

    request = context["request"]
    assert isinstance(request.user, User)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        **customer_tab_context(request.user, context["customer"].pk),
    }


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-light border")
