"""The level-2/3 follow-up sample of a period as Excel or CSV (R-I2, R-F1): the page's level and day, the
lines whose customers the user may see (`sample_items`), phones shown as the user's role may see them.
Logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from kedang.accounts.models import User

from .exports_common import check_format, write_logged


def _day(text: str) -> dt.date:
    from kedang.web.fields import parse_cn_date

    try:
        return parse_cn_date(text) or timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _sample_rows(actor: User, items: Iterable[Any]) -> Iterator[list[Any]]:
    from kedang.archive.masking import shown

    for it in items:
        task, event = it.task, it.event
        scores = [a.score for c in task.calls.all() for a in c.answers.all()] if task else []
        vehicle = event.vehicle if event else (task.vehicle if task else None)
        yield [
            it.get_reason_display(),
            it.customer.archive_no,
            it.customer.name,
            it.customer.tier,
            shown(actor, "phone", it.customer.phone),
            task.rule.name if task else "",
            task.due_date if task else None,
            task.get_status_display() if task else "",
            str(task.assignee) if task and task.assignee else "",
            event.get_kind_display() if event else "",
            event.date if event else None,
            (vehicle.plate or vehicle.vin) if vehicle else "",
            event.amount if event else None,
            "·".join(str(s) for s in scores),
            round(sum(scores) / len(scores), 2) if scores else None,
        ]


def export_samples(*, actor: User, filters: dict[str, str], file_format: str, out: Any) -> int:
    """The sample of the period the page shows (level 2 unless ?level=3; the period holding ?day=),
    written to `out`; no sample drawn yet → the header only. Returns the rows written."""
    from kedang.followups.models import Sample
    from kedang.followups.samples import sample_items, sample_period

    from ..exports import Column

    check_format(file_format)
    level = 3 if str(filters.get("level") or "") == "3" else 2
    day = _day(str(filters.get("day") or ""))
    start, _end = sample_period(level, day)
    sample = Sample.objects.filter(level=level, period_start=start).first()
    items = sample_items(actor, sample) if sample else []
    columns = [
        Column("入选原因", 10),
        Column("档号", 18),
        Column("客户", 20),
        Column("等级", 6),
        Column("电话", 14),
        Column("回访项目", 18),
        Column("应回访日", 11),
        Column("回访状态", 8),
        Column("回访人", 10),
        Column("服务事件", 10),
        Column("事件日期", 11),
        Column("车辆", 18),
        Column("金额", 12),
        Column("得分", 14),
        Column("平均得分", 8),
    ]
    return write_logged(
        actor=actor,
        what="followup_samples",
        sheet="二级回访抽样" if level == 2 else "三级回访名单",
        columns=columns,
        rows=_sample_rows(actor, items),
        file_format=file_format,
        out=out,
        filters={"level": str(level), "period": f"{start:%Y-%m-%d}"},
    )
