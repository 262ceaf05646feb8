from django.db.models import Model

from kedang.accounts.models import User


def attribute(obj: Model, actor: User, reason: str) -> None:
    """Who made the next saved change of obj and why: django-simple-history writes both into its row."""
    obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]
