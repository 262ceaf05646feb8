"""Soft delete (R-G4): deleted customers and vehicles wait in the recycle bin with `deleted_at` set.
`Model.live` leaves them out, so "not deleted" is written once, here; `Model.objects` still sees
everything (the recycle bin, the purge, history)."""

from __future__ import annotations

from typing import Any

from django.db import models


class LiveManager(models.Manager[Any]):
    """Rows not in the recycle bin."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(deleted_at__isnull=True)
