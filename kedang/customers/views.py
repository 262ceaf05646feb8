"""Customer pages: list, create/edit, the archive page and its actions. Thin: forms in, services do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kedang.accounts.models import User
from kedang.accounts.roles import FILING_SUPERVISORS, Role, Scope
from kedang.accounts.selectors import can_write, data_scope, is_manager
from kedang.archive import masking
from kedang.archive.masking import CUSTOMER_FIELDS as MASKED_FIELDS
from kedang.archive.visibility import customer_for_read, vehicle_for_read
from kedang.errors import ApprovalPending, Conflict
from kedang.privacy.access_log import log_access
from kedang.privacy.models import AccessAction
from kedang.web.forms import add_service_errors
from kedang.web.paging import page_from_request

from . import selectors, services, validators
from .downloads import attachment_response
from .forms import CustomerFilterForm, CustomerForm, DocumentForm, LocationForm, NoteForm, VehicleForm
from .models import RecordKind, Tag
from .selectors import history_entries

# (key, label, template) of the archive page's tabs; a module adds its tab here (UI.md)
TABS = [
    ("profile", _("概况"), "customers/_profile.html"),
    ("vehicles", _("车辆"), "customers/_vehicles.html"),
    ("files", _("档案资料"), "customers/_files.html"),
    ("timeline", _("时间线"), "customers/_timeline.html"),
    ("followups", _("回访"), "agenda/_customer_tab_page.html"),
    ("receivables", _("合同回款"), "receivables/_customer_tab_page.html"),
    ("privacy", _("授权与隐私"), "privacy/_customer_tab_page.html"),
    ("history", _("历史"), "customers/_history.html"),
]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CustomerFilterForm(request.GET)
    form.is_valid()
    filters = {k: form.cleaned_data.get(k) or "" for k in ("q", "owner", "tier", "tag", "kind")}
    qs = selectors.customer_list(user, **filters)
    order = None if filters["q"].strip() else selectors.CUSTOMER_LIST_ORDER  # search: best match first
    page = page_from_request(request, qs, order, size=20)
    # the filters as typed (not URL-encoded), the search terms masked (R-G6, R-G7)
    shown = {**filters, "q": masking.mask_terms(filters["q"])}
    what = " ".join(["客户列表", *(f"{k}={v}" for k, v in shown.items() if v)])
    what += f" page={page.number}" if page.number and page.number > 1 else ""
    what += " cursor" if request.GET.get("cursor") else ""
    log_access(user, AccessAction.LIST, what=what, rows=len(page))
    owners = (
        []
        if data_scope(user).scope == Scope.SELF
        else list(User.objects.filter(owned_customers__isnull=False).distinct().order_by("username"))
    )
    return render(
        request,
        "customers/list.html",
        {
            "page": page,
            "filters": filters,
            "form": form,
            "owners": owners,
            "tags": Tag.objects.order_by("name"),
            "query": page.query,
            "can_create": can_write(user),
        },
    )


def _customer_form_context(form: CustomerForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, **extra}


@login_required
@sensitive_post_parameters(*MASKED_FIELDS)
def customer_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_write(user):
        raise PermissionDenied("当前角色只读")
    owner_locked = data_scope(user).scope == Scope.SELF
    # an account manager files her own customers; anyone else (a customer-service agent is not one) chooses
    own = owner_locked or user.role == Role.ACCOUNT_MANAGER
    if request.method == "POST":
        form = CustomerForm(request.POST, owner_locked=owner_locked, initial={"owner": user.username})
        if form.is_valid():
            try:
                customer = services.customer_create(actor=user, **form.service_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已建档：{customer.name}，档号 {customer.archive_no}")
                return redirect("customer_detail", customer.pk)
    else:
        form = CustomerForm(
            initial={"owner": user.username if own else "", "kind": "person"}, owner_locked=owner_locked
        )
    return render(request, "customers/form.html", _customer_form_context(form, title="新建客户档案"))


@login_required
@sensitive_post_parameters(*MASKED_FIELDS)
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    if not can_write(user):
        raise PermissionDenied("当前角色只读")
    owner_locked = not is_manager(user)
    masked = [n for n, kind in MASKED_FIELDS.items() if not masking.sees(user, kind)]
    conflict: Conflict | None = None
    if request.method == "POST":
        form = CustomerForm(
            request.POST, owner_locked=owner_locked, masked=masked, initial={"owner": customer.owner.username}
        )
        if form.is_valid():
            try:
                services.customer_update(
                    actor=user,
                    customer_id=customer.pk,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                    **form.service_fields(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except ApprovalPending as exc:
                messages.info(request, exc.message)
                return redirect("customer_detail", customer.pk)
            except Conflict as exc:
                conflict = exc  # her input stays in the form; the diff shows what changed meanwhile
                customer.refresh_from_db()
                data = request.POST.copy()
                data["version"] = str(customer.version)
                form = CustomerForm(
                    data, owner_locked=owner_locked, masked=masked, initial={"owner": customer.owner.username}
                )
                form.is_valid()
            else:
                messages.success(request, "已保存")
                return redirect("customer_detail", customer.pk)
    else:
        initial = {
            f: getattr(customer, f) for f in CustomerForm.base_fields if hasattr(customer, f) and f != "tags"
        }
        initial["owner"] = customer.owner.username
        initial["tags"] = ", ".join(t.name for t in customer.tags.all())
        for name in masked:
            initial[name] = masking.shown(user, MASKED_FIELDS[name], initial[name])
        form = CustomerForm(initial=initial, owner_locked=owner_locked, masked=masked)
    return render(
        request,
        "customers/form.html",
        _customer_form_context(
            form, title=f"修改档案：{customer.name}", customer=customer, conflict=conflict
        ),
        status=409 if conflict else 200,
    )


@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    tab = request.GET.get("tab", "profile")
    templates = {key: template for key, _label, template in TABS}
    if tab not in templates:
        tab = "profile"
    kind = request.GET.get("kind", "")
    vehicles = list(customer.vehicles(manager="live").all().order_by("-delivery_date", "-id"))
    files = selectors.customer_files(customer)
    missing = sum(len(f.missing) for f in files)
    context = {
        "customer": customer,
        "tab": tab,
        "tabs": TABS,
        "tab_template": templates[tab],
        "history": history_entries(customer, user) if tab == "history" else [],
        "can_revert": is_manager(user),
        "can_approve_filing": user.role in FILING_SUPERVISORS and customer.filing_handler_id != user.pk,
        "vehicles": vehicles,
        "files": files,
        "missing_total": missing,
        "timeline": selectors.customer_timeline(customer, kind=kind) if tab == "timeline" else [],
        "record_kinds": RecordKind.choices,
        "kind": kind,
        "can_edit": can_write(user),
        "tags": list(customer.tags.all()),
        "contacts": list(customer.contacts.all()),
        "note_form": NoteForm(),
    }
    log_access(user, AccessAction.VIEW, customer=customer, what=str(dict((k, v) for k, v, _t in TABS)[tab]))
    return render(request, "customers/detail.html", context)


@login_required
def vehicle_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    if request.method == "POST":
        form = VehicleForm(request.POST)
        if form.is_valid():
            try:
                vehicle = services.vehicle_create(actor=user, customer_id=customer.pk, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记车辆 {vehicle}")
                return redirect(reverse("customer_detail", args=[customer.pk]) + "?tab=vehicles")
    else:
        form = VehicleForm()
    return render(
        request, "customers/vehicle_form.html", {"form": form, "customer": customer, "title": "登记车辆"}
    )


@login_required
def vehicle_edit(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    user = _user(request)
    vehicle = vehicle_for_read(user, vehicle_id)
    if request.method == "POST":
        form = VehicleForm(request.POST)
        if form.is_valid():
            try:
                services.vehicle_update(actor=user, vehicle_id=vehicle.pk, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect(reverse("customer_detail", args=[vehicle.customer_id]) + "?tab=vehicles")
    else:
        form = VehicleForm(initial={f: getattr(vehicle, f) for f in VehicleForm.base_fields})
    return render(
        request,
        "customers/vehicle_form.html",
        {"form": form, "customer": vehicle.customer, "vehicle": vehicle, "title": f"修改车辆 {vehicle}"},
    )


def _files_tab(customer_id: int) -> str:
    return reverse("customer_detail", args=[customer_id]) + "?tab=files"


@login_required
@require_POST
def document_upload(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            record = services.document_add(
                actor=user,
                customer_id=customer.pk,
                file_type_code=d["file_type"],
                vehicle_id=d["vehicle"],
                checklist_item_id=d["checklist_item"],
                title=d["title"],
                occurred_on=d["occurred_on"],
                upload=d["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已归档：{record.title}")
            return redirect(_files_tab(customer.pk))
    errors = "；".join(f"{e}" for errs in form.errors.values() for e in errs)
    messages.error(request, f"未能归档：{errors}")
    return redirect(_files_tab(customer.pk))


@login_required
@require_POST
def file_location(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    form = LocationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            f = services.archive_file_set_location(
                actor=user,
                customer_id=customer.pk,
                file_type_code=d["file_type"],
                vehicle_id=d["vehicle"],
                paper_archive_no=d["paper_archive_no"],
                cabinet=d["cabinet"],
                shelf=d["shelf"],
                box=d["box"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已保存纸质档案位置：{f.location or '未填写'}")
    return redirect(_files_tab(customer.pk))


@login_required
@require_POST
def note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.note_add(actor=user, customer_id=customer.pk, **form.cleaned_data)
        messages.success(request, "已记录")
    else:
        messages.error(request, "请填写标题")
    return redirect(reverse("customer_detail", args=[customer.pk]) + "?tab=timeline")


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Attachments are served only here, after the visibility check, always as a download."""
    att = selectors.get_attachment_for_user(_user(request), attachment_id)
    log_access(request.user, AccessAction.DOWNLOAD, customer=att.record.customer, what=att.original_name)
    return attachment_response(att)


FIELD_CHECKS: dict[str, Callable[[str], str]] = {
    "phone": validators.validate_phone,
    "phone2": validators.validate_phone,
    "id_number": validators.validate_id_number,
    "uscc": validators.validate_uscc,
    "vin": validators.validate_vin,
    "plate": validators.validate_plate,
}


@login_required
@require_POST
@sensitive_post_parameters(*FIELD_CHECKS)
def field_check(request: HttpRequest, field: str) -> HttpResponse:
    """Validate one field as the user leaves it (htmx); answers the error list, empty when fine.
    The same validators run again in the service on save."""
    check = FIELD_CHECKS.get(field)
    if check is None:
        return HttpResponse(status=404)
    value = request.POST.get(field, "").strip()
    errors: list[str] = []
    if value:
        try:
            check(value)
        except ValidationError as exc:
            errors = exc.messages
    return render(request, "web/_errors.html", {"errors": errors, "field": field})


@login_required
@require_POST
def customer_revert(request: HttpRequest, customer_id: int, history_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    try:
        services.customer_revert(
            actor=user, customer_id=customer.pk, history_id=history_id, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ApprovalPending as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, "已恢复到所选版本")
    return redirect(reverse("customer_detail", args=[customer.pk]) + "?tab=history")


@login_required
@require_POST
def customer_delete(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    try:
        services.customer_delete(actor=user, customer_id=customer.pk, reason=request.POST.get("reason", ""))
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(reverse("customer_detail", args=[customer.pk]))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("customer_edit", customer.pk)
    except ApprovalPending as exc:
        messages.info(request, exc.message)
        return redirect("customer_detail", customer.pk)
    messages.success(request, f"已移入回收站：{customer.name}（{customer.archive_no}），30 天内可恢复")
    return redirect("customer_list")


@login_required
@require_POST
def vehicle_delete(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    user = _user(request)
    vehicle = vehicle_for_read(user, vehicle_id)
    try:
        services.vehicle_delete(actor=user, vehicle_id=vehicle.pk, reason=request.POST.get("reason", ""))
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(reverse("customer_detail", args=[vehicle.customer_id]))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("vehicle_edit", vehicle.pk)
    messages.success(request, f"车辆 {vehicle} 已移入回收站，30 天内可恢复")
    return redirect(reverse("customer_detail", args=[vehicle.customer_id]) + "?tab=vehicles")
