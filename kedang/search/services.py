"""A search as the screens run it (R-S1, R-G6): the hits, and one access-log row with the terms masked
(the header box, the results page and the API alike — a search reads customers' names and numbers)."""

from __future__ import annotations

from kedang.accounts.models import User
from kedang.archive.masking import mask_terms
from kedang.privacy.access_log import log_access
from kedang.privacy.models import AccessAction

from .selectors import Hit, search_customers


def search_logged(user: User, text: str, *, limit: int = 20, where: str = "搜索") -> list[Hit]:
    """search_customers, logged: `where` names the screen (搜索, 搜索框, API 搜索)."""
    hits = search_customers(user, text, limit=limit)
    log_access(user, AccessAction.SEARCH, what=f"{where} {mask_terms(text)}", rows=len(hits))
    return hits
