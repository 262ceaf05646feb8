"""The governance overview's lists as Excel or CSV (R-I2, R-G2, R-G4): the access requests awaiting the
approver (`?list=pending`) or the user's own (`?list=mine`, all of them, not only the latest 50 the page
shows), and the recycle bin (managers, within their scope). Each list through the page's own selector.
Logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from kedang.accounts.models import User

from .exports_common import check_format, write_logged

ACCESS_LISTS = ("pending", "mine")


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A spreadsheet has no time zones: local time, naive."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _access_rows(qs: Iterable[Any], actor: User) -> Iterator[list[Any]]:
    """Each request as the page shows it to the actor: the requester sees no name, archive number or
    owner of the customer until her grant runs (#13); the approver sees them, or that none matched."""
    from kedang.governance.selectors import request_subject

    for r in qs:
        subject = request_subject(r, actor)
        yield [
            str(r.requester),
            str(r.requester.department) if r.requester.department else "",
            subject.archive_no,
            subject.name if subject.found is not False else "（没有对应的档案）",
            subject.owner,
            r.reason,
            r.days,
            _local(r.created_at),
            r.get_status_display(),
            str(r.decided_by) if r.decided_by else "",
            _local(r.decided_at),
            r.decision_note,
            _local(r.expires_at),
            subject.asked,
        ]


def export_access_requests(*, actor: User, filters: dict[str, str], file_format: str, out: Any) -> int:
    """The access requests awaiting the approver's decision (?list=pending, approvers only: empty for
    the others, as on the page) or the user's own (?list=mine, the default), written to `out`."""
    from kedang.governance import selectors

    from ..exports import Column

    check_format(file_format)
    which = "pending" if filters.get("list") == "pending" else "mine"
    if which == "pending":
        qs = selectors.pending_access_requests(actor).select_related("decided_by")
    else:
        qs = selectors.my_access_requests(actor, limit=None).select_related(
            "requester", "requester__department"
        )
    columns = [
        Column("申请人", 10),
        Column("部门", 10),
        Column("档号", 18),
        Column("客户", 20),
        Column("客户经理", 10),
        Column("理由", 30),
        Column("天数", 6),
        Column("申请时间", 17),
        Column("状态", 8),
        Column("审批人", 10),
        Column("审批时间", 17),
        Column("审批意见", 20),
        Column("到期", 17),
        Column("申请查阅", 24),
    ]
    return write_logged(
        actor=actor,
        what="access_requests",
        sheet="待审批的查阅申请" if which == "pending" else "我的查阅申请",
        columns=columns,
        rows=_access_rows(qs.iterator(chunk_size=2000), actor),
        file_format=file_format,
        out=out,
        filters={"list": which},
    )


def _bin_rows(qs: Iterable[Any]) -> Iterator[list[Any]]:
    for e in qs:
        yield [
            e.get_kind_display(),
            e.label,
            e.reason,
            str(e.deleted_by),
            _local(e.deleted_at),
            _local(e.purge_after),
        ]


def export_recycle_bin(*, actor: User, filters: dict[str, str], file_format: str, out: Any) -> int:
    """The recycle bin as the overview shows it (managers, entries of customers in their scope; empty
    for the others), written to `out`."""
    from kedang.governance import selectors

    from ..exports import Column

    check_format(file_format)
    qs = selectors.recycle_bin(actor)
    columns = [
        Column("类型", 8),
        Column("名称", 24),
        Column("删除原因", 30),
        Column("删除人", 10),
        Column("删除时间", 17),
        Column("彻底删除时间", 17),
    ]
    return write_logged(
        actor=actor,
        what="recycle_bin",
        sheet="回收站",
        columns=columns,
        rows=_bin_rows(qs.iterator(chunk_size=2000)),
        file_format=file_format,
        out=out,
        filters={},
    )
