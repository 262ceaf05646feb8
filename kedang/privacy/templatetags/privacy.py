"""{% privacy_tab %} (the archive page's consent and privacy tab) and {% shown_value %}."""

from __future__ import annotations

from typing import Any

from django import template

from kedang.accounts.roles import MANAGER_ROLES
from kedang.accounts.selectors import can_write
from kedang.archive import masking
from kedang.customers.models import Customer
from kedang.privacy.models import Consent

register = template.Library()


@register.inclusion_tag("privacy/_customer_tab.html", takes_context=True)
def privacy_tab(context: Any) -> dict[str, Any]:
    from kedang.privacy.views import ConsentForm

    customer: Customer = context["customer"]
    user = context["user"]
    return {
        "customer": customer,
        "user": user,
        "consents": list(Consent.objects.filter(customer=customer).select_related("recorded_by")),
        "consent_form": ConsentForm(),
        "can_edit": can_write(user),
        "can_handle_requests": user.role in MANAGER_ROLES,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("privacy/_shown_value.html", takes_context=True)
def shown_value(context: Any, customer: Customer, field: str) -> dict[str, Any]:
    """A phone or ID number as the user's role may see it, with a "show" button beside a masked value for
    roles that may unmask it with a reason (R-G7); the clear value then replaces the masked one."""
    user = context["user"]
    kind = masking.CUSTOMER_FIELDS[field]
    value = getattr(customer, field)
    show = bool(value) and not masking.sees(user, kind) and masking.may_unmask(user)
    return {
        "value": masking.shown(user, kind, value),
        "show": show,
        "customer_id": customer.pk,
        "field": field,
        "csrf_token": context.get("csrf_token"),
    }
