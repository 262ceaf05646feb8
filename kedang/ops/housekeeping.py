"""The ops part of the daily job: forget login-session records whose session is gone (expired or
cleared), and drop login records older than KEDANG_LOGIN_LOG_DAYS (django-axes' access logs and
attempts). Idempotent."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from .models import LoginSession


def housekeeping(day: dt.date) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    removed = 0
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        Session.objects.filter(expire_date__lt=timezone.now()).delete()
        removed += LoginSession.objects.exclude(
            session_key__in=Session.objects.values("session_key")
        ).delete()[0]
    cutoff = timezone.now() - timedelta(days=settings.KEDANG_LOGIN_LOG_DAYS)
    removed += AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    removed += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    removed += AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return removed
