"""Privacy services: unmasking one value (R-G7), consent (R-G10), data-subject export and erasure.

Each checks permission and visibility, validates, writes the access log / timeline, in one transaction."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import MANAGER_ROLES
from kedang.accounts.selectors import can_write
from kedang.archive import masking
from kedang.archive.output import output_logged
from kedang.archive.timeline import record_add
from kedang.archive.visibility import NOT_FOUND, customer_for_read
from kedang.customers.models import Customer, RecordKind

from .access_log import log_access
from .models import AccessAction, Consent, ConsentChannel, ConsentPurpose, Erasure


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError("请填写事由", code="required")})
    return reason


@transaction.atomic
def unmask(*, actor: User, customer_id: int, field: str, reason: str) -> str:
    """The value of one masked field in clear, for a role allowed to ask, with a reason; logged."""
    customer = customer_for_read(actor, customer_id)
    if field not in masking.CUSTOMER_FIELDS:
        raise ValidationError({"field": ValidationError("不能查看此字段", code="invalid")})
    if not masking.may_unmask(actor):
        raise PermissionDenied("当前角色不能查看完整信息")
    reason = _required_reason(reason)
    value: str = getattr(customer, field)
    label = getattr(Customer._meta.get_field(field), "verbose_name", field)
    log_access(actor, AccessAction.UNMASK, customer=customer, what=f"{label}：{reason}")
    return value


# ---------------------------------------------------------------- consent (R-G10)


@transaction.atomic
def consent_grant(
    *, actor: User, customer_id: int, purpose: str, channel: str = "all", notice_version: str
) -> Consent:
    customer = customer_for_read(actor, customer_id)
    if not can_write(actor):
        raise PermissionDenied("当前角色只读")
    errors: dict[str, list[ValidationError]] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = [ValidationError("请选择用途", code="invalid")]
    if channel not in ConsentChannel.values:
        errors["channel"] = [ValidationError("请选择渠道", code="invalid")]
    notice_version = (notice_version or "").strip()
    if not notice_version:
        errors["notice_version"] = [ValidationError("请填写告知书版本", code="required")]
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        customer=customer, purpose=purpose, channel=channel, notice_version=notice_version, recorded_by=actor
    )
    record_add(
        customer,
        actor,
        RecordKind.CHANGE,
        f"登记授权同意：{consent.get_purpose_display()}（{consent.get_channel_display()}）",
        f"告知书版本 {notice_version}",
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent_id: int) -> Consent:
    consent = Consent.objects.select_for_update().filter(pk=consent_id).first()
    if consent is None:  # the same answer as for another's consent: the id confirms nothing (#13)
        raise Http404(NOT_FOUND)
    customer = customer_for_read(actor, consent.customer_id)
    if not can_write(actor):
        raise PermissionDenied("当前角色只读")
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        record_add(
            customer,
            actor,
            RecordKind.CHANGE,
            f"撤回授权同意：{consent.get_purpose_display()}（{consent.get_channel_display()}）",
        )
    return consent


def consent_block_reason(
    customer_id: int, purpose: str, channel: str, *, rows: list[tuple[str, str, Any]] | None = None
) -> str | None:
    """Why a message of this purpose may not go to this customer on this channel, or None.
    `rows`: the customer's consents as (purpose, channel, withdrawn_at), when the caller loaded them in bulk.

    Marketing needs a consent in force (opt-in); for other purposes only a withdrawn consent blocks."""
    if rows is None:
        rows = list(
            Consent.objects.filter(customer_id=customer_id).values_list("purpose", "channel", "withdrawn_at")
        )
    relevant = [withdrawn for p, ch, withdrawn in rows if p == purpose and ch in (channel, "all")]
    if any(withdrawn is None for withdrawn in relevant):
        return None
    if relevant:
        return "客户已撤回此用途的授权同意"
    if purpose == ConsentPurpose.MARKETING:
        return "客户未同意接收营销信息"
    return None


# ---------------------------------------------------------------- data-subject requests


def _may_handle_requests(actor: User) -> None:
    if actor.role not in MANAGER_ROLES:
        raise PermissionDenied("只有经理可以办理个人信息导出和删除")


def _sees_everything(actor: User) -> None:
    """The data-subject zip holds the customer's phones and ID number in clear: not for a role that sees
    them masked (the `admin` role configures the system, it does not read personal data)."""
    if not (masking.sees(actor, "phone") and masking.sees(actor, "id_number")):
        raise PermissionDenied(
            "当前角色看到的电话和身份证号是遮蔽的，不能导出个人信息；请由可查看完整信息的经理办理"
        )


def subject_data(customer: Customer) -> dict[str, Any]:
    """Everything held on one customer, as plain values."""
    from kedang.customers.models import Attachment, ContactPerson, Record, Vehicle

    def rows(qs: Any, *fields: str) -> list[dict[str, Any]]:
        return list(qs.values(*fields))

    profile = {
        f.attname: getattr(customer, f.attname)
        for f in Customer._meta.concrete_fields
        if f.attname not in ("phone_norm", "phone2_norm")
    }
    return {
        "customer": profile,
        "tags": [t.name for t in customer.tags.all()],
        "contacts": rows(ContactPerson.objects.filter(customer=customer), "name", "title", "phone"),
        "vehicles": rows(
            Vehicle.objects.filter(customer=customer),
            "vin",
            "plate",
            "model",
            "color",
            "delivery_date",
            "insurance_expiry",
            "inspection_due",
            "maintenance_due",
        ),
        "records": rows(
            Record.objects.filter(customer=customer).order_by("occurred_on", "id"),
            "occurred_on",
            "kind",
            "title",
            "body",
        ),
        "attachments": rows(
            Attachment.objects.filter(record__customer=customer), "original_name", "sha256", "size"
        ),
        "consents": rows(
            Consent.objects.filter(customer=customer),
            "purpose",
            "channel",
            "notice_version",
            "granted_at",
            "withdrawn_at",
        ),
    }


def subject_export(*, actor: User, customer_id: int) -> tuple[str, bytes]:
    """A portable copy of one customer's data: (file name, a zip of data.json and data.xlsx); logged."""
    from openpyxl import Workbook

    _may_handle_requests(actor)
    _sees_everything(actor)
    customer = customer_for_read(actor, customer_id)
    data = subject_data(customer)
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    book = Workbook()
    book.remove(book.active)
    for section, value in data.items():
        sheet = book.create_sheet(section[:31])
        items = (
            [value]
            if isinstance(value, dict)
            else [{"value": v} if not isinstance(v, dict) else v for v in value]
        )
        if items:
            header = list(items[0])
            sheet.append(header)
            for item in items:
                sheet.append([_cell(item.get(h)) for h in header])
    xlsx = io.BytesIO()
    book.save(xlsx)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data.json", text)
        z.writestr("data.xlsx", xlsx.getvalue())
    output_logged(
        actor=actor,
        what="personal_data",
        file_format="zip",
        rows=1,
        customer=customer,
        action=AccessAction.SUBJECT_EXPORT,
    )
    return f"{customer.archive_no}-personal-data.zip", out.getvalue()


def _cell(value: Any) -> Any:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # never a formula
    return value


def subject_erase(*, actor: User, customer_id: int, reason: str) -> Erasure:
    """Erase a customer on her request: rows, history, search index, attachment files; the erasure is
    recorded in the database and appended to the ledger file so that a restore erases her again."""
    _may_handle_requests(actor)
    customer_for_read(actor, customer_id)  # 404 before the reason is looked at
    reason = _required_reason(reason)
    with transaction.atomic():
        customer = customer_for_read(actor, customer_id)
        erasure = Erasure.objects.create(
            customer_id=customer.pk, archive_no=customer.archive_no, erased_by=actor.username, reason=reason
        )
        log_access(actor, AccessAction.ERASE, customer=customer, what=reason)
        _purge(customer.pk)
    _ledger_append(erasure)
    return erasure


def _purge(customer_id: int) -> None:
    """Everything of hers goes: the rejected import rows that carry her keys (while her keys are still
    known), then her rows, history, change requests (they go with the customer), search index entries and
    attachment files."""
    from kedang.exchange.services import import_rejections_erase
    from kedang.governance.recycle_bin import purge_customer

    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is not None:
        import_rejections_erase(customer)
    purge_customer(customer_id)


def _ledger_append(erasure: Erasure) -> None:
    path = settings.KEDANG_ERASURE_LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "customer_id": erasure.customer_id,
        "archive_no": erasure.archive_no,
        "erased_at": erasure.erased_at.isoformat(),
        "erased_by": erasure.erased_by,
        "reason": erasure.reason,
    }
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


def reapply_erasures() -> int:
    """After a restore: erase again every customer in the ledger that the restored database still holds,
    and put the missing Erasure rows back. Returns how many customers were erased again."""
    path = settings.KEDANG_ERASURE_LEDGER
    if not path.exists():
        return 0
    again = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        with transaction.atomic():
            if Customer.objects.filter(pk=item["customer_id"]).exists():
                _purge(item["customer_id"])
                again += 1
            Erasure.objects.get_or_create(
                customer_id=item["customer_id"],
                defaults={
                    "archive_no": item["archive_no"],
                    "erased_at": item["erased_at"],
                    "erased_by": item["erased_by"],
                    "reason": item["reason"],
                },
            )
    return again
