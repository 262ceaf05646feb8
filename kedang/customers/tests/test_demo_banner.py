"""`make run` prints the address and the demo logins after the server listens (#21 item 9)."""

from __future__ import annotations

import socket
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command

from kedang.customers.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db


def test_the_banner_waits_for_the_server_then_prints_the_address_and_logins() -> None:
    call_command("seed_demo", customers=0, stdout=StringIO())
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    opened = {}

    def listen_later() -> None:
        time.sleep(0.8)
        opened["at"] = time.monotonic()
        server.listen()

    thread = threading.Thread(target=listen_later)
    thread.start()
    out = StringIO()
    call_command("demo_banner", host="127.0.0.1", port=port, wait=10, stdout=out)
    printed = time.monotonic()
    thread.join()
    server.close()
    text = out.getvalue()
    assert printed >= opened["at"]  # not before the server listens
    assert text.rstrip().splitlines()[-1].strip().startswith(f"客档 Kedang 已启动： http://127.0.0.1:{port}/")
    assert DEMO_PASSWORD in text and all(d.username in text for d in DEMO_USERS)


def test_a_server_that_never_starts_is_said_plainly() -> None:
    err = StringIO()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        call_command("demo_banner", host="127.0.0.1", port=port, wait=1, stdout=StringIO(), stderr=err)
    assert "服务未在" in err.getvalue()
