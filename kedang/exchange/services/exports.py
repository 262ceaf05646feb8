"""Exports of lists and reports (R-I2) and the printed forms (R-I3)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from kedang.accounts.models import User
from kedang.customers.models import Customer, CustomerKind, Vehicle

EXPORT_FILTERS = ("q", "owner", "tier", "tag", "kind")


EXPORT_VALUES = (
    "pk archive_no name kind phone_norm phone2_norm id_number uscc gender birthday address owner__username "
    "owner__display_name tier source since created_at notes"
).split()


def _customer_export_rows(qs: Any, chunk: int = 2000) -> Iterator[list[Any]]:
    """Rows of the customer export: plain values, tags and plates fetched per chunk of customers
    (three queries per 2,000 customers, no model instances)."""
    from kedang.archive.masks import mask_id, mask_phone
    from kedang.customers.models import Gender

    kinds = {k: str(label) for k, label in CustomerKind.choices}
    genders = {k: str(label) for k, label in Gender.choices if k}
    values = qs.values_list(*EXPORT_VALUES).iterator(chunk_size=chunk)
    while batch := list(islice(values, chunk)):
        ids = [r[0] for r in batch]
        tags: dict[int, list[str]] = {}
        for cid, tag in Customer.tags.through.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "tag__name"
        ):
            tags.setdefault(cid, []).append(tag)
        plates: dict[int, list[str]] = {}
        for cid, plate in (
            Vehicle.live.filter(customer_id__in=ids)
            .exclude(plate="")
            .order_by("id")
            .values_list("customer_id", "plate")
        ):
            plates.setdefault(cid, []).append(plate)
        for (
            pk,
            no,
            name,
            kind,
            phone,
            phone2,
            idn,
            uscc,
            gender,
            birthday,
            address,
            username,
            display,
            tier,
            source,
            since,
            created,
            notes,
        ) in batch:
            yield [
                no,
                name,
                kinds.get(kind, kind),
                mask_phone(phone),
                mask_phone(phone2),
                mask_id(idn) if idn else uscc,
                genders.get(gender, ""),
                birthday,
                address,
                display or username,
                tier,
                "，".join(sorted(tags.get(pk, []))),
                source,
                since,
                " ".join(plates.get(pk, [])),
                timezone.localtime(created).date(),
                notes,
            ]


def export_customers(*, actor: User, filters: dict[str, str], file_format: str, out: Any) -> int:
    """The customer list as the user sees it — her visibility, the page's filters, phone and ID numbers
    masked as on the page — written to `out` as .xlsx or CSV (UTF-8 with BOM). Logged. Returns the
    number of customers written."""
    from kedang.archive.output import output_logged
    from kedang.customers.selectors import customer_list

    from ..exports import Column, write_csv, write_xlsx

    if file_format not in ("xlsx", "csv"):
        raise ValidationError({"format": ValidationError("格式应为 xlsx 或 csv", code="invalid_choice")})
    clean = {k: str(filters.get(k) or "") for k in EXPORT_FILTERS}
    qs = customer_list(actor, **clean)
    columns = [
        Column("档号", 18),
        Column("名称", 24),
        Column("类型", 6),
        Column("电话", 14),
        Column("备用电话", 14),
        Column("身份证号/统一社会信用代码", 22),
        Column("性别", 5),
        Column("出生日期", 11),
        Column("地址", 36),
        Column("客户经理", 10),
        Column("等级", 5),
        Column("标签", 16),
        Column("来源", 10),
        Column("建立关系日期", 12),
        Column("车辆", 20),
        Column("建档日期", 11),
        Column("备注", 30),
    ]
    rows = _customer_export_rows(qs)
    if file_format == "xlsx":
        n = write_xlsx(out, sheet="客户档案", columns=columns, rows=rows)
    else:
        n = write_csv(out, columns=columns, rows=rows)
    output_logged(
        actor=actor,
        what="customers",
        file_format=file_format,
        filters={k: v for k, v in clean.items() if v},
        rows=n,
    )
    return n


def customer_form_pdf(*, actor: User, customer_id: int) -> tuple[Customer, bytes]:
    """《客户档案基本资料表》 of a visible customer (404 otherwise), as PDF; the print is logged."""
    from kedang.archive.output import output_logged
    from kedang.archive.visibility import customer_for_read

    from ..pdf import customer_basic_form

    customer = customer_for_read(actor, customer_id)
    content = customer_basic_form(customer, printed_by=str(actor))
    output_logged(actor=actor, what="customer_basic_form", file_format="pdf", rows=1, customer=customer)
    return customer, content


def call_form_pdf(*, actor: User, call_id: int) -> tuple[Any, bytes]:
    """《跟踪服务电话记录表》 of one call on a visible customer (404 otherwise), as PDF; logged."""
    from django.http import Http404

    from kedang.archive.output import output_logged
    from kedang.archive.visibility import customer_for_read
    from kedang.followups.models import Call

    from ..pdf_call import call_record_form

    call = (
        Call.objects.select_related("task__rule", "task__vehicle", "task__event", "called_by", "customer")
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        raise Http404("通话记录不存在")
    customer = customer_for_read(actor, call.customer_id)
    content = call_record_form(call, printed_by=str(actor))
    output_logged(
        actor=actor,
        what="call_record_form",
        file_format="pdf",
        rows=1,
        customer=customer,
        filters={"call": call.pk},
    )
    return call, content
