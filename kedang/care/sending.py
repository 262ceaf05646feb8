"""Sending the outbox (R-C4): what the huey task runs. Safe to kill at any moment and run again.

Each message moves queued → sending (committed *before* the gateway is called) → sent | failed, one
message per transaction. A run first resolves messages a crashed run left in `sending`: an idempotent
gateway (SMS file backend, provider adapters keyed by the message id, letters, phone tasks) is simply asked
again — it does not deliver an id twice; for the others (e-mail) the outcome is unknown, so the message
fails with a reason for a person to check, and is never sent twice. Nothing is lost either way: every
message ends sent, delivered or failed with its reason, and on the customer's timeline.

Do-not-contact and quiet hours are checked at the moment of sending through `contact.block_reason`;
a message in quiet hours stays queued until they end (`not_before`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .contact import block_reason, quiet_until
from .gateways import Gateway, GatewayError, gateway
from .models import Message, MessageStatus
from .services import message_timeline, messages_sent

MAX_ATTEMPTS = 3
CHUNK = 500
GROUP = 100  # idempotent sends claimed and recorded together


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    retry: int = 0  # transient gateway errors left queued for the next try
    recovered: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def _fail(msg: Message, reason: str, result: SendResult) -> None:
    with transaction.atomic():
        Message.objects.filter(pk=msg.pk).update(status=MessageStatus.FAILED, reason=reason[:200])
        message_timeline(msg, title=f"{msg.get_channel_display()}未发送：{reason}")
    result.failed += 1
    result.reasons[reason] = result.reasons.get(reason, 0) + 1


def _deliver(msg: Message, gw: Gateway, result: SendResult, now: dt.datetime) -> None:
    """Call the gateway for a claimed message and record the outcome."""
    try:
        provider_id = gw.send(msg)
    except GatewayError as exc:
        if exc.permanent or msg.attempts >= MAX_ATTEMPTS:
            _fail(msg, str(exc), result)
        else:
            Message.objects.filter(pk=msg.pk).update(status=MessageStatus.QUEUED, reason=str(exc)[:200])
            result.retry += 1
        return
    with transaction.atomic():
        messages_sent([(msg, provider_id)], now)
    result.sent += 1


def _recover(batch: str | None, result: SendResult, gateways: dict[str, Gateway], now: dt.datetime) -> None:
    stuck = Message.objects.filter(status=MessageStatus.SENDING).select_related("customer", "vehicle")
    if batch:
        stuck = stuck.filter(batch=batch)
    for msg in stuck.order_by("id").iterator(chunk_size=CHUNK):
        gw = gateways.setdefault(msg.channel, gateway(msg.channel))
        result.recovered += 1
        if gw.idempotent:
            _deliver(msg, gw, result, now)
        else:
            _fail(msg, "发送中断，结果未知，请核实后再重发", result)


def _prefetch_dnc(messages: list[Message]) -> None:
    """Load the chunk's do-not-contact flags in one query for `block_reason` (see contact.dnc_cache)."""
    from .contact import dnc_cache

    dnc_cache([m.customer for m in messages])


def _send_idempotent(messages: list[Message], gw: Gateway, result: SendResult, now: dt.datetime) -> None:
    """Claim a group in one transaction, send each, record the outcomes in one transaction: a crash in
    between leaves them `sending`, and the idempotent gateway makes the next run's resend harmless."""
    claimed: list[Message] = []
    with transaction.atomic():
        for msg in messages:
            if Message.objects.filter(pk=msg.pk, status=MessageStatus.QUEUED).update(
                status=MessageStatus.SENDING, attempts=msg.attempts + 1
            ):
                msg.attempts += 1
                claimed.append(msg)
    done: list[tuple[Message, str]] = []
    for msg in claimed:
        try:
            done.append((msg, gw.send(msg)))
        except GatewayError as exc:
            if exc.permanent or msg.attempts >= MAX_ATTEMPTS:
                _fail(msg, str(exc), result)
            else:
                Message.objects.filter(pk=msg.pk).update(status=MessageStatus.QUEUED, reason=str(exc)[:200])
                result.retry += 1
    if done:
        with transaction.atomic():
            messages_sent(done, now)
        result.sent += len(done)


def send_batch(
    batch: str | None = None, *, now: dt.datetime | None = None, limit: int | None = None
) -> SendResult:
    """Send the queued messages (of one batch, or all) that are due; see the module docstring."""
    now = now or timezone.now()
    result = SendResult()
    gateways: dict[str, Gateway] = {}
    _recover(batch, result, gateways, now)
    due = Message.objects.filter(status=MessageStatus.QUEUED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    if batch:
        due = due.filter(batch=batch)
    last_id = 0
    done = 0
    while limit is None or done < limit:
        chunk = list(due.filter(pk__gt=last_id).select_related("customer", "vehicle").order_by("id")[:CHUNK])
        if not chunk:
            break
        last_id = chunk[-1].pk
        if limit is not None:
            chunk = chunk[: limit - done]
        done += len(chunk)
        _prefetch_dnc(chunk)
        groups: dict[str, list[Message]] = {}
        for msg in chunk:
            purpose = "marketing" if msg.invitation_id else "care"  # an event invitation is marketing (R-G10)
            blocked = block_reason(msg.customer, msg.channel, now, purpose)
            if blocked:
                until = quiet_until(msg.channel, now)
                if until is not None and block_reason(msg.customer, msg.channel, until, purpose) is None:
                    # only the quiet hours stand in the way: it goes out when they end
                    Message.objects.filter(pk=msg.pk).update(not_before=until, reason=blocked[:200])
                    result.deferred += 1
                else:
                    _fail(msg, blocked, result)
                continue
            gw = gateways.setdefault(msg.channel, gateway(msg.channel))
            if gw.idempotent:
                groups.setdefault(msg.channel, []).append(msg)
                continue
            # not idempotent (e-mail): claim, send and record one at a time
            claimed = Message.objects.filter(pk=msg.pk, status=MessageStatus.QUEUED).update(
                status=MessageStatus.SENDING, attempts=msg.attempts + 1
            )
            if claimed:
                msg.attempts += 1
                _deliver(msg, gw, result, now)
        for channel, msgs in groups.items():
            for i in range(0, len(msgs), GROUP):
                _send_idempotent(msgs[i : i + GROUP], gateways[channel], result, now)
    return result
