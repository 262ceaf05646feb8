"""What the archive's owner (kedang.customers) hands on to governance, which registers for it.

Customers do not know governance: filing and approval depend on customers, not the other way round (#13).
Two things a customer service cannot finish alone go through here:

- a change or deletion of a filed archive by someone who does not approve changes (R-G3) becomes a
  proposal: `change_propose(...)` returns the proposal's id;
- whatever is deleted goes to the recycle bin (R-G4): `bin_put(...)`.

kedang.governance registers both in its AppConfig.ready (`register_change_proposals`,
`register_recycle_bin`). Both are called inside the calling service's transaction. Without a registration
(governance not installed) they refuse rather than lose a change or a deletion silently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from kedang.accounts.models import User

ChangeProposer = Callable[..., models.Model]
BinPutter = Callable[..., models.Model]

_proposer: list[ChangeProposer] = []
_bin: list[BinPutter] = []


def register_change_proposals(propose: ChangeProposer) -> None:
    """`propose(*, customer, actor, fields, data, reason, kind)` records a proposed change (once: a second
    registration replaces the first)."""
    _proposer[:] = [propose]


def register_recycle_bin(put: BinPutter) -> None:
    """`put(*, kind, obj, customer, actor, reason)` records a deletion (once: a second registration
    replaces the first)."""
    _bin[:] = [put]


def _registered(found: list[Any], what: str) -> Any:
    if not found:
        raise ImproperlyConfigured(f"nothing is registered to take {what} (is kedang.governance installed?)")
    return found[0]


def change_propose(
    *,
    customer: models.Model,
    actor: User,
    fields: dict[str, Any],
    data: dict[str, Any],
    reason: str,
    kind: str,
) -> int:
    """Record a change to a filed archive for approval (already validated by the caller); its id."""
    request = _registered(_proposer, "proposed changes")(
        customer=customer, actor=actor, fields=fields, data=data, reason=reason, kind=kind
    )
    return int(request.pk)


def bin_put(*, kind: str, obj: models.Model, customer: models.Model, actor: User, reason: str) -> None:
    """Put a deleted customer or vehicle in the recycle bin (R-G4)."""
    _registered(_bin, "deletions")(kind=kind, obj=obj, customer=customer, actor=actor, reason=reason)
