"""A file SMS gateway that pauses after each message is written — before the sender records it as sent —
so that a worker killed mid-batch is most likely killed in the worst place."""

from __future__ import annotations

import time

from kedang.care.gateways import FileSmsBackend
from kedang.care.models import Message


class SlowFileSmsBackend(FileSmsBackend):
    def send(self, message: Message) -> str:
        provider_id = super().send(message)
        time.sleep(0.05)
        return provider_id
