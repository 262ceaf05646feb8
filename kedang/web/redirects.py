"""Where a page goes back to after a form: a `next` (or `back`) parameter is followed only when it stays on
this site (#13: `next=https://evil.example/` on filing approval sent the approver off-site)."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str, *, param: str = "next") -> str:
    """The URL in POST or GET `param` if it is a path of this site (same host, http/https, https only when
    the request is), else `default` (a URL or a URL name)."""
    url = request.POST.get(param) or request.GET.get(param) or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(default)
