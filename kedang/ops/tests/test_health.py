"""`GET /healthz` (issue #20 item 2): database, disk space, Redis when configured, age of the last
run_daily; JSON; 503 when this node cannot serve, "degraded" with 200 when only the background jobs
suffer (or 503 with ?strict=1)."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kedang.agenda.models import DailyRun

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:  # a port nobody listens on: bound, then released
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ran_daily(hours_ago: float) -> None:
    finished = timezone.now() - dt.timedelta(hours=hours_ago)
    DailyRun.objects.create(date=timezone.localdate(finished), started_at=finished, finished_at=finished)


def test_healthy(client: Client) -> None:
    _ran_daily(3)
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    assert "no-store" in r["Cache-Control"]
    body = r.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "disk", "redis", "daily_job"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["skipped"]  # the queue is in SQLite here
    assert body["checks"]["daily_job"]["age_hours"] == pytest.approx(3, abs=0.2)
    assert body["checks"]["disk"]["free_mb"]["var"] > 0
    assert "sessionid" not in r.cookies  # no login, no session


def test_an_old_or_missing_daily_run_is_degraded_not_down(client: Client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "degraded"
    assert r.json()["checks"]["daily_job"]["ok"] is False
    _ran_daily(30)
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["checks"]["daily_job"]["age_hours"] > 26
    assert client.get("/healthz?strict=1").status_code == 503


def test_redis_down_is_degraded_and_says_so(client: Client, settings: Any) -> None:
    _ran_daily(1)
    settings.HUEY_REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    r = client.get("/healthz")
    assert r.status_code == 200  # pages keep serving; the jobs wait for Redis
    body = r.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": body["checks"]["redis"]["ms"],
    }
    assert "127.0.0.1" not in r.content.decode()  # no host of the server in a public answer
    assert client.get("/healthz?strict=1").status_code == 503


def test_too_little_disk_space_is_503(client: Client, settings: Any) -> None:
    _ran_daily(1)
    settings.KEDANG_HEALTH_MIN_FREE_MB = 2**40  # a petabyte and more
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "fail" and r.json()["failed"] == ["disk"]


def test_reachable_over_plain_http_behind_the_https_redirect(client: Client, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
