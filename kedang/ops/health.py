"""`GET /healthz` for a load balancer and for monitoring (issue #20 item 2), JSON, no login:

- database: a `SELECT 1` on the default database;
- disk: free space where attachments (KEDANG_MEDIA_ROOT) and var/ (SQLite, job queue, static files) live,
  at least KEDANG_HEALTH_MIN_FREE_MB;
- redis: a PING to HUEY_REDIS_URL, when the jobs run on Redis ("skipped" otherwise);
- daily_job: the age of the last finished `run_daily`, at most KEDANG_HEALTH_DAILY_MAX_HOURS.

A failing database or disk is 503: this node cannot serve. Redis and the daily job concern the background
jobs, not the pages (which keep serving while Redis is down; jobs wait for it), so they make the answer
"degraded" with 200 — unless `?strict=1`, for a monitor that reads status codes only, where any failing
check is 503. Errors name their kind, never a host or a path of the server.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)

CRITICAL = ("database", "disk")


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_disk() -> dict[str, Any]:
    need = settings.KEDANG_HEALTH_MIN_FREE_MB
    places = {"media": Path(settings.MEDIA_ROOT), "var": Path(settings.VAR_DIR)}
    free: dict[str, int] = {}
    for name, path in places.items():
        while not path.exists() and path != path.parent:  # the media folder is made on the first upload
            path = path.parent
        free[name] = shutil.disk_usage(path).free // 2**20
    return {"ok": all(mb >= need for mb in free.values()), "free_mb": free, "min_free_mb": need}


def check_redis() -> dict[str, Any]:
    url = settings.HUEY_REDIS_URL
    if not url:
        return {"ok": True, "skipped": "HUEY_REDIS_URL 未设置：作业队列在 SQLite"}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_daily_job() -> dict[str, Any]:
    from kedang.agenda.models import DailyRun

    limit = settings.KEDANG_HEALTH_DAILY_MAX_HOURS
    last = DailyRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    if last is None or last.finished_at is None:
        return {"ok": False, "last_finished_at": None, "max_age_hours": limit, "error": "run_daily 从未运行"}
    age = (timezone.now() - last.finished_at).total_seconds() / 3600
    return {
        "ok": age <= limit,
        "last_date": last.date.isoformat(),
        "last_finished_at": timezone.localtime(last.finished_at).isoformat(timespec="seconds"),
        "age_hours": round(age, 1),
        "max_age_hours": limit,
    }


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "disk": check_disk,
    "redis": check_redis,
    "daily_job": check_daily_job,
}


def _run(name: str, check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = check()
    except Exception as e:  # a health check reports a failure, it does not raise one
        log.warning("health check %s failed: %r", name, e)
        result = {"ok": False, "error": type(e).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {name: _run(name, check) for name, check in CHECKS.items()}
    if failed := [n for n in CRITICAL if not checks[n]["ok"]]:
        status, code = "fail", 503
    elif all(c["ok"] for c in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    if request.GET.get("strict") == "1" and status != "ok":
        code = 503
    body = {"status": status, "checks": checks, "time": timezone.localtime().isoformat(timespec="seconds")}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=code)
