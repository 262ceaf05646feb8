"""The care outbox as Excel or CSV (R-I2, R-C4): the page's filters (channel, status, batch), the messages
of the customers the user may see; a phone number as recipient (SMS, phone) is masked for the roles that
do not see phones. Logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from kedang.accounts.models import User

from .exports_common import check_format, write_logged

OUTBOX_FILTERS = ("channel", "status", "batch")
PHONE_CHANNELS = ("sms", "phone")


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A spreadsheet has no time zones: local time, naive."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _outbox_rows(actor: User, qs: Any, chunk: int = 2000) -> Iterator[list[Any]]:
    from kedang.archive.masking import shown

    for m in qs.iterator(chunk_size=chunk):
        recipient = shown(actor, "phone", m.recipient) if m.channel in PHONE_CHANNELS else m.recipient
        yield [
            _local(m.created_at),
            m.get_channel_display(),
            m.customer.name,
            recipient,
            m.subject,
            m.body,
            m.get_status_display(),
            m.reason,
            m.attempts,
            _local(m.sent_at),
            _local(m.delivered_at),
            str(m.created_by) if m.created_by else "",
        ]


def export_outbox(*, actor: User, filters: dict[str, str], file_format: str, out: Any) -> int:
    """The outbox as the page shows it (every page), written to `out`; the rows written."""
    from kedang.care.selectors import outbox

    from ..exports import Column

    check_format(file_format)
    query = {k: str(filters.get(k) or "") for k in OUTBOX_FILTERS}
    qs = outbox(actor, **query)
    columns = [
        Column("时间", 17),
        Column("渠道", 8),
        Column("客户", 20),
        Column("收件人", 24),
        Column("标题", 20),
        Column("内容", 50),
        Column("状态", 8),
        Column("原因", 20),
        Column("发送次数", 8),
        Column("发送时间", 17),
        Column("送达时间", 17),
        Column("创建人", 10),
    ]
    return write_logged(
        actor=actor,
        what="care_outbox",
        sheet="发件箱",
        columns=columns,
        rows=_outbox_rows(actor, qs),
        file_format=file_format,
        out=out,
        filters=query,
    )
