"""Session hygiene: idle expiry, and ending every session (and API token) of a deactivated user.

Idle expiry: IdleSessionMiddleware notes the time of the last request in the session (rewritten at most
once a minute, so that a busy page does not write the session store on every htmx request) and logs the
user out when more than KEDANG_SESSION_IDLE_MINUTES passed; SESSION_COOKIE_AGE is set to the same window,
so that an abandoned session also expires in the store. KEDANG_SESSION_MAX_HOURS bounds a session's whole
life however active it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from kedang.accounts.models import ApiToken, User

from .models import LoginSession

SEEN_KEY = "kd_seen"
START_KEY = "kd_start"
TOUCH_EVERY_SECONDS = 60


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            seen = float(session.get(SEEN_KEY, now))
            start = float(session.get(START_KEY, now))
            idle = settings.KEDANG_SESSION_IDLE_MINUTES * 60
            life = settings.KEDANG_SESSION_MAX_HOURS * 3600
            if now - seen > idle or now - start > life:
                logout(request)  # flushes the session; login_required pages now redirect to the login
            else:
                if SEEN_KEY not in session or now - seen >= TOUCH_EVERY_SECONDS:
                    session[SEEN_KEY] = now  # modified → saved with a fresh expiry
                session.setdefault(START_KEY, now)
        return self.get_response(request)


def session_track(user: User, session_key: str | None, ip: str) -> None:
    if session_key:
        LoginSession.objects.update_or_create(session_key=session_key, defaults={"user": user, "ip": ip})


def session_forget(session_key: str | None) -> None:
    if session_key:
        LoginSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(user: User) -> int:
    """End every session and revoke every API token of the user; returns the number of sessions ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(LoginSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    LoginSession.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def user_deactivate(*, username: str) -> User:
    """Deactivate a user: they can no longer log in, and every session and API token ends at once.
    (The pre_save signal in signals.py does the same when an administrator unticks "active" in the admin.)"""
    user = User.objects.select_for_update().get(username=username)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user
