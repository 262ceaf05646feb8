from django.http import HttpRequest
from ninja import Router, Schema, Status

from .services import token_issue

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class Message(Schema):
    detail: str


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: Message})
def auth_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, str]]:
    """Exchange a username and password for a bearer token."""
    token = token_issue(username=payload.username, password=payload.password)
    if token is None:
        return Status(401, {"detail": "用户名或密码错误"})
    return Status(200, {"token": token})
