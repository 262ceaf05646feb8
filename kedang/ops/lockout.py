"""What a locked-out login sees (django-axes AXES_LOCKOUT_CALLABLE): the login page with a Chinese
message saying why and for how long, HTTP 429 — for the API, a JSON 429."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return max(1, math.ceil(cooloff.total_seconds() / 60)) if cooloff else 0


def lockout_message() -> str:
    minutes = lockout_minutes()
    if minutes:
        return _(
            "登录失败次数过多，该账户或本机已被暂时锁定。请 %(minutes)d 分钟后再试，或联系管理员解锁。"
        ) % {"minutes": minutes}
    return _("登录失败次数过多，该账户或本机已被锁定。请联系管理员解锁。")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "locked": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "accounts/login.html", context, status=429)
