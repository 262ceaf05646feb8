"""The search box: suggestions as the user types (htmx) and a results page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kedang.accounts.models import User

from .services import search_logged


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """The dropdown under the header search box: the best 8 customers, matched field marked."""
    assert isinstance(request.user, User)
    q = request.GET.get("q", "").strip()
    hits = search_logged(request.user, q, limit=8, where="搜索框") if q else []
    return render(request, "search/_suggest.html", {"hits": hits, "q": q})


@login_required
def results(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    q = request.GET.get("q", "").strip()
    hits = search_logged(request.user, q, limit=50) if q else []
    return render(request, "search/results.html", {"hits": hits, "q": q})
