"""The agenda's answer to the archive's events (kedang.archive.events): a delivery date entered on the
vehicle form, through the API or by an import makes its delivery event and follow-up tasks at once, not
at the next daily job (#21 item 1). run_daily stays the catch-up for anything missed."""

from __future__ import annotations

from typing import Any


def on_vehicles_saved(
    sender: Any, *, actor: Any, vehicle_ids: list[int], bulk: bool = False, **_: Any
) -> None:
    from .services import deliveries_sync, delivery_sync

    if bulk:
        deliveries_sync(actor=actor, vehicle_ids=vehicle_ids)
    else:
        for vehicle_id in vehicle_ids:
            delivery_sync(actor=actor, vehicle_id=vehicle_id)
