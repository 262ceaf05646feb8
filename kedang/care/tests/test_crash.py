"""Bulk sending survives a crash: a real worker process killed with SIGKILL mid-batch, then a second run —
every message sent exactly once (the gateway's log has each id once), none lost, each on the timeline once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.care.models import Message, MessageStatus, MessageTemplate
from kedang.care.sending import GROUP, send_batch
from kedang.care.services import messages_queue
from kedang.customers.models import Record, RecordKind

pytestmark = pytest.mark.django_db(transaction=True)

N = 250  # more than one group of claims (sending.GROUP = 100)


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def sent_log(directory: Path) -> list[str]:
    log = directory / "sent.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_killed_worker_resumes_without_loss_or_duplicates(
    settings: Any, tmp_path: Path, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    import json

    sms = tmp_path / "sms"
    settings.KEDANG_SMS_DIR = sms
    settings.KEDANG_SMS_BACKEND = "kedang.care.gateways.FileSmsBackend"
    customers = [make_customer() for _ in range(N)]
    template = MessageTemplate.objects.get(name="节日问候短信")
    batch, n = messages_queue(
        users[Role.ACCOUNT_MANAGER], template_id=template.pk, customer_ids=[c.pk for c in customers]
    )
    assert n == N
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "KEDANG_SMS_DIR": str(sms),
        "KEDANG_SMS_BACKEND": "kedang.care.tests.slow_gateway.SlowFileSmsBackend",
        "KEDANG_QUIET_HOURS_SMS": "",  # the worker runs at the real time of day
    }
    worker = subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "care_send", "--batch", batch],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(sent_log(sms)) < N // 3 and time.monotonic() < deadline:
        assert worker.poll() is None, worker.communicate()
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    written = len(sent_log(sms))
    statuses = set(Message.objects.values_list("status", flat=True))
    assert 0 < written < N  # killed mid-batch: some claimed and sent, the rest still queued
    assert {MessageStatus.SENDING, MessageStatus.QUEUED} <= statuses
    assert MessageStatus.SENT not in statuses or written > GROUP

    result = send_batch(batch, now=_daytime())
    assert Message.objects.filter(status=MessageStatus.SENT).count() == N
    ids = [json.loads(line)["id"] for line in sent_log(sms)]
    assert sorted(ids) == sorted(Message.objects.values_list("pk", flat=True))  # each exactly once
    assert result.sent + written >= N
    for c in customers:
        assert Record.objects.filter(customer=c, kind=RecordKind.MESSAGE).count() == 1


def _daytime() -> Any:
    import datetime as dt

    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0)))
