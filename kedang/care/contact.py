"""Whether a customer may be contacted through a channel at a moment (R-C6): the one place every channel
asks; consent (kedang.privacy) is part of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from kedang.customers.models import Customer
from kedang.privacy.models import Consent
from kedang.privacy.services import consent_block_reason

from .models import Channel, DoNotContact

# channel: its quiet hours "HH:MM-HH:MM", local time (settings.KEDANG_QUIET_HOURS; SMS 21:00-08:00)
QUIET_HOURS = {"sms": "21:00-08:00"}


def quiet_hours(channel: str) -> tuple[dt.time, dt.time] | None:
    """(start, end) of the channel's quiet hours, or None when it has none."""
    spec = getattr(settings, "KEDANG_QUIET_HOURS", QUIET_HOURS).get(channel, "")
    if not spec:
        return None
    start, end = (dt.time.fromisoformat(part.strip()) for part in spec.split("-"))
    return start, end


def quiet_until(channel: str, at: dt.datetime) -> dt.datetime | None:
    """The end of the channel's quiet hours if `at` falls within them, else None."""
    hours = quiet_hours(channel)
    if hours is None:
        return None
    start, end = hours
    local = timezone.localtime(at)
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end))


def _address(customer: Customer, channel: str) -> str:
    if channel in (Channel.SMS, Channel.PHONE):
        return customer.phone or customer.phone2
    if channel == Channel.EMAIL:
        return customer.email
    return customer.address


def block_reason(customer: Customer, channel: str, at: dt.datetime, purpose: str = "care") -> str | None:
    """Why a message to `customer` through `channel` may not go out at `at`, or None if it may.
    `purpose` is what the message is for (privacy ConsentPurpose): an invitation to an event is marketing,
    which needs the customer's consent in force; a withdrawn consent stops any purpose at once (R-G10)."""
    label = Channel(channel).label
    if customer.deleted_at is not None:
        return "客户档案已删除"
    cached = getattr(customer, "_care_dnc", None)
    if cached is not None:
        dnc = [cached[channel]] if channel in cached else []
    else:
        dnc = list(
            DoNotContact.objects.filter(customer_id=customer.pk, channel=channel).values_list(
                "reason", flat=True
            )[:1]
        )
    for why in dnc:
        return f"客户要求不接受{label}" + (f"：{why}" if why else "")
    refused = consent_block_reason(
        customer.pk, purpose, channel, rows=getattr(customer, "_care_consents", None)
    )
    if refused:
        return refused
    if not _address(customer, channel):
        return {"sms": "没有手机号", "phone": "没有电话", "email": "没有电子邮箱", "letter": "没有通信地址"}[
            channel
        ]
    hours = quiet_hours(channel)
    if hours and quiet_until(channel, at):
        return f"{hours[0]:%H:%M}–{hours[1]:%H:%M} 为免打扰时段，不发{label}"
    return None


def dnc_cache(customers: list[Customer]) -> None:
    """Load the do-not-contact flags and consents of many customers in two queries, for `block_reason`."""
    flags: dict[int, dict[str, str]] = {c.pk: {} for c in customers}
    for cid, channel, reason in DoNotContact.objects.filter(customer_id__in=list(flags)).values_list(
        "customer_id", "channel", "reason"
    ):
        flags[cid][channel] = reason
    consents: dict[int, list[tuple[str, str, Any]]] = {c.pk: [] for c in customers}
    for cid, purpose, ch, withdrawn in Consent.objects.filter(customer_id__in=list(flags)).values_list(
        "customer_id", "purpose", "channel", "withdrawn_at"
    ):
        consents[cid].append((purpose, ch, withdrawn))
    for c in customers:
        c._care_dnc = flags[c.pk]  # type: ignore[attr-defined]
        c._care_consents = consents[c.pk]  # type: ignore[attr-defined]


def recipient(customer: Customer, channel: str) -> str:
    """The address a message to the customer goes to: mobile, e-mail or postal address."""
    return _address(customer, channel)
