from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from kedang.accounts.models import User

from .services import search_logged

router = Router(tags=["search"])


class SearchIn(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=100,
        description="任意关键字：姓名、拼音、电话、车牌、车架号、身份证号、档号、地址",
    )
    limit: int = Field(20, ge=1, le=100)


class SearchItem(Schema):
    id: int
    name: str
    archive_no: str
    matched: str
    matched_value: str
    rank: int


class SearchOut(Schema):
    items: list[SearchItem]


@router.get("/search", response=SearchOut)
def search(request: HttpRequest, params: Query[SearchIn]) -> dict[str, list[dict[str, object]]]:
    """Customers matching q, best first (exact key, prefix, fragment), within the caller's visibility."""
    user = request.user
    assert isinstance(user, User)
    hits = search_logged(user, params.q, limit=params.limit, where="API 搜索")
    return {
        "items": [
            {
                "id": h.customer.pk,
                "name": h.customer.name,
                "archive_no": h.customer.archive_no,
                "matched": h.matched,
                "matched_value": h.matched_value,
                "rank": h.tier,
            }
            for h in hits
        ]
    }
