"""Errors shared by the services of every app; the API and the pages turn them into answers."""


class Conflict(Exception):
    """The operation does not fit the object's current state (409): a stale edit, a decided request,
    a box already lent."""

    def __init__(self, message: str, *, diff: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diff = diff or []


class ApprovalPending(Exception):
    """The change was not applied but proposed for approval (a filed archive, R-G3); the API answers 202."""

    def __init__(self, message: str, *, request_id: int) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
