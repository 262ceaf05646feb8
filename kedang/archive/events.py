"""What the archive tells the modules above it, without knowing them: they connect in their AppConfig.ready.

Receivers run inside the sender's transaction, so what they write commits or rolls back with the archive."""

from __future__ import annotations

from django.dispatch import Signal

# Vehicles were created or their delivery changed (form, API, import). kwargs: actor (User or None),
# vehicle_ids (list[int]), bulk (bool: an import batch, where receivers may leave old dates to the daily job)
vehicles_saved = Signal()
