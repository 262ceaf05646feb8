"""Care pages (关怀提醒): care tasks with bulk sending (template → preview → send), the outbox, letters to
print, customer events, the call and letter registers, do-not-contact flags and the calendar feed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write
from kedang.agenda.models import TaskStatus
from kedang.archive.output import output_logged
from kedang.archive.visibility import customer_for_read
from kedang.customers.models import Tier
from kedang.errors import Conflict
from kedang.web.paging import page_from_request
from kedang.web.redirects import safe_next

from . import events as ev
from . import ical, registers, selectors, services
from .letters import letters_pdf
from .models import Attendance, CareEvent, Channel, DoNotContact, Invitation, MessageStatus, MessageTemplate
from .templating import VARIABLES


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _date(value: str | None) -> dt.date | None:
    from kedang.web.fields import parse_cn_date

    try:
        return parse_cn_date(value or "")
    except ValueError:
        return None


def _ids(request: HttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdigit()]


@login_required
def care_tasks(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rule = request.GET.get("rule", "")
    status = request.GET.get("status", TaskStatus.OPEN)
    qs = selectors.care_tasks(
        user,
        rule=rule,
        status=status,
        due_from=_date(request.GET.get("due_from")),
        due_to=_date(request.GET.get("due_to")),
    )
    page = page_from_request(request, qs, selectors.CARE_TASK_ORDER, size=50)
    return render(
        request,
        "care/tasks.html",
        {
            "page": page,
            "query": page.query,
            "rules": selectors.care_rules(),
            "rule": rule,
            "status": status,
            "statuses": TaskStatus.choices,
            "due_from": request.GET.get("due_from", ""),
            "due_to": request.GET.get("due_to", ""),
            "templates": MessageTemplate.objects.filter(active=True),
            "today": timezone.localdate(),
            "open": TaskStatus.OPEN,
            "can_edit": can_write(user),
        },
    )


@login_required
@require_POST
def bulk_preview(request: HttpRequest) -> HttpResponse:
    """Every message the chosen template makes for the chosen tasks, with the reason any would be blocked."""
    user = _user(request)
    template = MessageTemplate.objects.filter(pk=request.POST.get("template") or 0, active=True).first()
    task_ids = _ids(request, "task")
    if template is None or not task_ids:
        messages.error(request, _("请先勾选任务并选择模板"))
        return redirect(safe_next(request, "care_tasks", param="back"))
    try:
        rows = services.drafts(user, template=template, task_ids=task_ids)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(safe_next(request, "care_tasks", param="back"))
    return render(
        request,
        "care/preview.html",
        {
            "template": template,
            "rows": rows,
            "blocked": sum(1 for r in rows if r.blocked),
            "task_ids": task_ids,
            "back": safe_next(request, "care_tasks", param="back"),
            "variables": VARIABLES,
        },
    )


@login_required
@require_POST
def bulk_send(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        batch, n = services.messages_queue(
            user, template_id=int(request.POST.get("template") or 0), task_ids=_ids(request, "task")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("care_tasks")
    messages.success(request, _("已加入发件箱 %(n)s 条，正在发送") % {"n": n})
    return redirect(reverse("care_outbox") + f"?batch={batch}")


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    channel, status, batch = (request.GET.get(k, "") for k in ("channel", "status", "batch"))
    qs = selectors.outbox(user, channel=channel, status=status, batch=batch)
    if request.GET.get("format") == "letters":
        letters = list(
            qs.filter(channel=Channel.LETTER)
            .exclude(status=MessageStatus.FAILED)
            .select_related("customer")[:2000]
        )
        pdf = letters_pdf(reversed(letters))
        output_logged(
            actor=user,
            what="letters",
            file_format="pdf",
            rows=len(letters),
            filters={"channel": channel, "status": status, "batch": batch},
        )
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": content_disposition_header(False, "letters.pdf")},
        )
    page = page_from_request(request, qs, selectors.OUTBOX_ORDER, size=50)
    return render(
        request,
        "care/outbox.html",
        {
            "page": page,
            "query": page.query,
            "channel": channel,
            "status": status,
            "batch": batch,
            "channels": Channel.choices,
            "statuses": MessageStatus.choices,
            "failed": MessageStatus.FAILED,
            "can_edit": can_write(user),
        },
    )


@login_required
@require_POST
def message_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        services.message_retry(_user(request), message_id)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队发送"))
    return redirect(safe_next(request, "care_outbox", param="back"))


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            event = ev.event_create(
                user,
                title=request.POST.get("title", ""),
                date=_date(request.POST.get("date")),
                kind=request.POST.get("kind", ""),
                place=request.POST.get("place", ""),
                description=request.POST.get("description", ""),
                letter_template_id=int(request.POST.get("letter_template") or 0) or None,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("活动已创建，请选择邀请对象"))
            return redirect("care_event", event.pk)
    events = CareEvent.objects.all()[:200]
    return render(
        request,
        "care/events.html",
        {
            "events": events,
            "errors": errors,
            "post": request.POST,
            "letter_templates": MessageTemplate.objects.filter(channel=Channel.LETTER, active=True),
            "can_edit": can_write(user),
        },
    )


@login_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    user = _user(request)
    event = ev.event_for_user(user, event_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            filters = {k: request.POST.get(k, "") for k in ("q", "owner", "tier", "tag", "kind")}
            n = ev.invite(user, event.pk, **filters)
            messages.success(request, _("新增邀请 %(n)s 位客户") % {"n": n})
        elif action == "attendance":
            ev.attendance_set(user, int(request.POST.get("invitation") or 0), request.POST.get("status", ""))
            messages.success(request, _("已记录"))
        return redirect("care_event", event.pk)
    from kedang.archive.visibility import customers_visible_to

    invitations = (
        Invitation.objects.filter(event=event, customer__in=customers_visible_to(user))
        .select_related("customer", "task")
        .order_by("id")
    )
    page = page_from_request(request, invitations, ("id",), size=100)
    counts = {s: 0 for s, _l in Attendance.choices}
    for s in Invitation.objects.filter(event=event).values_list("status", flat=True):
        counts[s] += 1
    return render(
        request,
        "care/event.html",
        {
            "event": event,
            "page": page,
            "statuses": Attendance.choices,
            "counts": [(label, counts[s]) for s, label in Attendance.choices],
            "tiers": Tier.choices,
            "invite_on": event.date - dt.timedelta(days=ev.INVITE_DAYS_AHEAD),
            "letters_on": event.date - dt.timedelta(days=ev.INVITE_DAYS_AHEAD - ev.LETTER_DAYS_AFTER),
            "can_edit": can_write(user),
        },
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """The call register and the letter register for a date range; PDF and Excel with the same range."""
    user = _user(request)
    kind = request.GET.get("kind", "calls")
    today = timezone.localdate()
    start = _date(request.GET.get("start")) or today.replace(day=1)
    end = _date(request.GET.get("end")) or today
    if end < start:
        start, end = end, start
    build = registers.letter_register if kind == "letters" else registers.call_register
    reg = build(user, start, end)
    fmt = request.GET.get("format")
    name = f"{reg.title}-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt in ("pdf", "xlsx"):
        output_logged(
            actor=user,
            what=f"{reg.kind}_register",
            file_format=fmt,
            rows=len(reg.rows),
            filters={"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"},
        )
    if fmt == "pdf":
        return HttpResponse(
            registers.register_pdf(reg, printed_by=str(user)),
            content_type="application/pdf",
            headers={"Content-Disposition": content_disposition_header(False, f"{name}.pdf")},
        )
    if fmt == "xlsx":
        return HttpResponse(
            registers.register_workbook(reg),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": content_disposition_header(True, f"{name}.xlsx")},
        )
    query = f"kind={reg.kind}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    return render(request, "care/register.html", {"reg": reg, "rows": reg.rows[:1000], "query": query})


@login_required
def contact_settings(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Do-not-contact flags of one customer, per channel (R-C6)."""
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        services.dnc_set(
            user,
            customer_id=customer.pk,
            channel=channel,
            blocked=request.POST.get("blocked") == "1",
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("已保存"))
        return redirect("care_contact", customer.pk)
    flags = {d.channel: d for d in DoNotContact.objects.filter(customer=customer)}
    rows = [(value, label, flags.get(value)) for value, label in Channel.choices]
    recent = selectors.outbox(user).filter(customer=customer)[:20]
    return render(
        request,
        "care/contact.html",
        {"customer": customer, "rows": rows, "recent": recent, "can_edit": can_write(user)},
    )


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    feed = ical.feed_for(user, renew=request.method == "POST")
    if request.method == "POST":
        messages.success(request, _("已生成新的订阅地址，旧地址失效"))
        return redirect("care_calendar")
    url = request.build_absolute_uri(reverse("care_ical", args=[feed.token]))
    return render(request, "care/calendar.html", {"url": url})


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the token in the URL is the only credential (calendar apps send no cookies)."""
    user = ical.user_for_token(token)
    if user is None:
        raise Http404("订阅地址无效")
    content = ical.calendar_ics(user, host=request.get_host())
    output_logged(actor=user, what="calendar_feed", file_format="ics", rows=content.count(b"BEGIN:VEVENT"))
    return HttpResponse(content, content_type="text/calendar; charset=utf-8")
