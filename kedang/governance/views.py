"""Governance pages: access requests and approvals (R-G2), the recycle bin (R-G4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kedang.accounts.models import User
from kedang.accounts.selectors import is_manager
from kedang.archive.visibility import customer_for_read, customers_visible_to
from kedang.errors import Conflict
from kedang.web.fields import parse_cn_date
from kedang.web.redirects import safe_next

from . import filing, sealing, selectors, services
from . import paper as paper_svc
from .models import Loan, LoanStatus, PaperBox, Volume


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


OVERVIEW_ROWS = 200


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """审批与回收站: what awaits my decision, my own requests, the recycle bin."""
    user = _user(request)
    return render(
        request,
        "governance/overview.html",
        {
            # each list its newest OVERVIEW_ROWS (filings: the oldest); the exports hold them all (issue #20)
            "pending": [
                (r, selectors.request_subject(r, user))
                for r in selectors.pending_access_requests(user).order_by("-created_at", "-id")[
                    :OVERVIEW_ROWS
                ]
            ],
            "changes": [
                (r, selectors.change_rows(r, user))
                for r in selectors.pending_changes(user).order_by("-created_at", "-id")[:OVERVIEW_ROWS]
            ],
            "filings": selectors.filings_awaiting(user).order_by("filing_submitted_at", "id")[:OVERVIEW_ROWS],
            "mine": [(r, selectors.request_subject(r, user)) for r in selectors.my_access_requests(user)],
            "bin": selectors.recycle_bin(user).order_by("-deleted_at", "-id")[:OVERVIEW_ROWS],
            "can_approve": services.can_approve_access(user),
            "form_values": {"archive_no": request.GET.get("archive_no", ""), "days": 7},
        },
    )


@login_required
@require_POST
def access_request_create(request: HttpRequest) -> HttpResponse:
    """Ask for access by archive number (printed on every paper form). The answer is the same
    whether the archive exists or not (#13): the approver sees which, the requester nothing."""
    user = _user(request)
    archive_no = request.POST.get("archive_no", "").strip()
    try:
        days = int(request.POST.get("days") or 0)
    except ValueError:
        days = 0
    try:
        req = services.access_request_create(
            actor=user, archive_no=archive_no, reason=request.POST.get("reason", ""), days=days
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已提交查阅申请：{req.asked}，等待销售经理或总经理审批")
    return redirect("governance")


@login_required
@require_POST
def access_request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        req = services.access_request_decide(
            actor=_user(request), request_id=request_id, approve=approve, note=request.POST.get("note", "")
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{'批准' if approve else '拒绝'} {req.requester} 的查阅申请")
    return redirect("governance")


@login_required
@require_POST
def access_request_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    services.access_request_cancel(actor=_user(request), request_id=request_id)
    messages.success(request, "已撤回")
    return redirect("governance")


@login_required
@require_POST
def recycle_bin_restore(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = services.recycle_bin_restore(actor=_user(request), entry_id=entry_id)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("governance")
    messages.success(request, f"已恢复：{entry.label}")
    return redirect("customer_detail", entry.customer_id)


@login_required
@require_POST
def change_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        req = filing.change_decide(
            actor=_user(request), request_id=request_id, approve=approve, note=request.POST.get("note", "")
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:  # the change no longer validates (the archive moved on)
        messages.error(request, "无法应用：" + "；".join(exc.messages))
    else:
        messages.success(request, f"已{'批准并应用' if approve else '拒绝'} {req.requester} 的变更申请")
    return redirect("governance")


@login_required
@require_POST
def filing_submit(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    try:
        filing.filing_submit(
            actor=user,
            customer_id=customer.pk,
            scan=request.FILES.get("signature"),
            drawn=request.POST.get("drawn", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已提交归档，等待主管审批")
    return redirect("customer_detail", customer.pk)


@login_required
@require_POST
def filing_approve(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    try:
        filing.filing_approve(actor=user, customer_id=customer.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已归档：{customer.name}")
    return redirect(safe_next(request, "governance"))


@login_required
def paper(request: HttpRequest) -> HttpResponse:
    """纸质档案: boxes and their locations, who has what, loans to decide, overdue loans."""
    user = _user(request)
    keeper = paper_svc.is_archive_keeper(user)
    return render(
        request,
        "governance/paper.html",
        {
            "boxes": paper_svc.boxes(),
            "keeper": keeper,
            "requested": Loan.objects.filter(status=LoanStatus.REQUESTED).select_related("box", "borrower")
            if keeper
            else [],
            "lent": Loan.objects.filter(status=LoanStatus.LENT).select_related("box", "borrower")
            if keeper
            else [],
            "mine": Loan.objects.filter(borrower=user).select_related("box")[:20],
            "volumes": Volume.objects.select_related("file_type").annotate(n=Count("records"))[:100]
            if keeper or is_manager(user)
            else [],
            "today": timezone.localdate(),
        },
    )


@login_required
def paper_box(request: HttpRequest, box_id: int) -> HttpResponse:
    """One box: its location, the electronic files it holds (links where visible), its loans."""
    user = _user(request)
    box = PaperBox.objects.filter(pk=box_id).first()
    if box is None:
        raise Http404("档案盒不存在")
    visible = set(customers_visible_to(user).filter(files__paper_box=box).values_list("pk", flat=True))
    files = box.files.select_related("customer", "file_type", "vehicle").order_by("customer__archive_no")
    return render(
        request,
        "governance/paper_box.html",
        {"box": box, "files": files, "visible": visible, "loans": box.loans.select_related("borrower")[:30]},
    )


@login_required
@require_POST
def box_create(request: HttpRequest) -> HttpResponse:
    try:
        box = paper_svc.box_create(
            actor=_user(request),
            code=request.POST.get("code", ""),
            cabinet=request.POST.get("cabinet", ""),
            shelf=request.POST.get("shelf", ""),
            label=request.POST.get("label", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(f"{k}：{'，'.join(v)}" for k, v in exc.message_dict.items()))
    else:
        messages.success(request, f"已登记档案盒 {box.code}（{box.location}）")
    return redirect("paper")


@login_required
@require_POST
def loan_request(request: HttpRequest, box_id: int) -> HttpResponse:
    try:
        # a date that does not exist (2026-02-30) is reported like a missing one: by the service, on due_date
        due = parse_cn_date(request.POST.get("due_date", ""))
    except ValueError:
        due = None
    try:
        paper_svc.loan_request(
            actor=_user(request), box_id=box_id, purpose=request.POST.get("purpose", ""), due_date=due
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已提交借阅申请，等待档案管理员审批")
    return redirect("paper_box", box_id)


@login_required
@require_POST
def loan_decide(request: HttpRequest, loan_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        loan = paper_svc.loan_decide(actor=_user(request), loan_id=loan_id, approve=approve)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{loan.box} {'已借给 ' + str(loan.borrower) if approve else '的借阅申请已拒绝'}"
        )
    return redirect("paper")


@login_required
@require_POST
def loan_return(request: HttpRequest, loan_id: int) -> HttpResponse:
    try:
        loan = paper_svc.loan_return(actor=_user(request), loan_id=loan_id)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{loan.box} 已归还入库")
    return redirect("paper")


@login_required
def volume_catalogue(request: HttpRequest, volume_id: int) -> HttpResponse:
    """The printable catalogue (卷内目录) of a fixed volume; archive keepers and managers."""
    user = _user(request)
    if not (paper_svc.is_archive_keeper(user) or is_manager(user)):
        raise PermissionDenied("只有档案管理员和经理可以打印卷内目录")
    volume = Volume.objects.select_related("file_type").filter(pk=volume_id).first()
    if volume is None:
        raise Http404("固定卷不存在")
    response = HttpResponse(sealing.catalogue_pdf(volume), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="catalogue-{volume.code}.pdf"'
    return response
