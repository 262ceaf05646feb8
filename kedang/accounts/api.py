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


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: Message, 429: Message})
def auth_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, str]]:
    """Exchange a username and password for a bearer token (429 while the account or address is locked
    out after repeated failures)."""
    token = token_issue(username=payload.username, password=payload.password, request=request)
    if getattr(request, "axes_locked_out", False):
        from kedang.ops.lockout import lockout_message

        return Status(429, {"detail": lockout_message()})
    if token is None:
        return Status(401, {"detail": "用户名或密码错误"})
    return Status(200, {"token": token})
