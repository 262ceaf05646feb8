"""The client's IP address, for lockouts and logs.

X-Forwarded-For is trusted only when KEDANG_TRUSTED_PROXIES says how many reverse proxies stand in front
of the app (default 0: the header is ignored, since any client can send one). With N proxies, the address
is the Nth entry from the right of X-Forwarded-For — the one the outermost trusted proxy saw.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "KEDANG_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    chain = [p.strip() for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if p.strip()]
    if len(chain) < proxies:
        return remote  # fewer hops than configured: the request did not come through our proxies
    return chain[-proxies]
