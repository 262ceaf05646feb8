"""Pages: the access log for the auditor, unmasking one value, consent and data-subject requests."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kedang.accounts.models import User
from kedang.archive import masking
from kedang.archive.visibility import customer_for_read
from kedang.web.fields import ChineseDateField
from kedang.web.paging import page_from_request

from . import services
from .access_log import shown_rows
from .models import AccessAction, ConsentChannel, ConsentPurpose
from .selectors import access_log_search, may_read_access_log


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class AccessLogFilter(forms.Form):
    user = forms.CharField(label=_("用户名"), required=False)
    customer = forms.CharField(label=_("档号"), required=False)
    action = forms.ChoiceField(
        label=_("操作"), choices=[("", _("全部")), *AccessAction.choices], required=False
    )
    date_from = ChineseDateField(label=_("从"), required=False)
    date_to = ChineseDateField(label=_("到"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _small(self)


def _small(form: forms.Form) -> None:
    for field in form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(field, forms.ChoiceField)
            else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", css)


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    if not may_read_access_log(request.user):
        raise PermissionDenied("只有审计员可以查看访问日志")
    form = AccessLogFilter(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = access_log_search(**{k: v for k, v in filters.items() if v})
    page = page_from_request(request, rows, ("-id",), size=50)
    page.items = shown_rows(page.items)  # older rows' typed numbers masked for the reader
    return render(request, "privacy/access_log.html", {"form": form, "page": page, "query": page.query})


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("用途"), choices=ConsentPurpose.choices)
    channel = forms.ChoiceField(label=_("渠道"), choices=ConsentChannel.choices)
    notice_version = forms.CharField(label=_("告知书版本"), max_length=20, initial="2026-01")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _small(self)


@login_required
@require_POST
def unmask(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: the clear value in place of the masked one, once a reason is given."""
    field = request.POST.get("field", "")
    try:
        value = services.unmask(
            actor=_user(request), customer_id=customer_id, field=field, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        if field not in masking.CUSTOMER_FIELDS:
            return HttpResponse("；".join(exc.messages), status=422)
        customer = customer_for_read(_user(request), customer_id)
        return render(
            request,
            "privacy/_shown_value.html",
            {
                "value": masking.shown(
                    request.user, masking.CUSTOMER_FIELDS[field], getattr(customer, field)
                ),
                "show": True,
                "customer_id": customer_id,
                "field": field,
                "error": "；".join(exc.messages),
            },
        )
    return HttpResponse(f'<span class="kd-unmask text-danger" title="已记入访问日志">{_escape(value)}</span>')


def _escape(value: str) -> str:
    from django.utils.html import escape

    return escape(value)


def _back(customer_id: int) -> HttpResponse:
    return redirect(reverse("customer_detail", args=[customer_id]) + "?tab=privacy")


@login_required
@require_POST
def consent_grant(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer_for_read(_user(request), customer_id)  # 404 before anything else
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_grant(actor=_user(request), customer_id=customer_id, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已登记授权同意")
    else:
        messages.error(request, "请填写用途、渠道和告知书版本")
    return _back(customer_id)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = services.consent_withdraw(actor=_user(request), consent_id=consent_id)
    messages.success(request, "已撤回授权同意，相关信息立即停发")
    return _back(consent.customer_id)


@login_required
@require_POST
def subject_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    name, content = services.subject_export(actor=_user(request), customer_id=customer_id)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def subject_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        erasure = services.subject_erase(
            actor=_user(request), customer_id=customer_id, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _back(customer_id)
    messages.success(request, f"已删除客户 {erasure.archive_no} 的全部个人信息")
    return redirect("customer_list")
