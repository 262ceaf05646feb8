"""Huey tasks of the care module: send a batch (retried on transient gateway errors), and every five
minutes send what has become due (quiet hours over, retries, batches of a crashed worker)."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from huey.exceptions import RetryTask

from .sending import send_batch


def _summary(batch: str | None) -> dict[str, Any]:
    result = send_batch(batch)
    if result.retry:
        raise RetryTask(f"{result.retry} 条消息网关暂时失败，稍后重试")
    return {"sent": result.sent, "failed": result.failed, "deferred": result.deferred}


@db_task(retries=5, retry_delay=60)
def send_messages_task(batch: str) -> dict[str, Any]:
    return _summary(batch)


@db_periodic_task(crontab(minute="*/5"))
def send_due_messages_task() -> dict[str, Any]:
    return _summary(None)
