"""The attachment fixity sweep (R-A7): change one byte, delete one file, add a stray file — the sweep
reports exactly those, exits non-zero, and keeps the finding; a clean store passes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import Attachment
from kedang.ops.models import FixityRun
from kedang.ops.tasks import verify_attachments_weekly

from .helpers import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def _run() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_attachments", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture
def stored(users: dict[str, User], make_customer: Callable[..., Any]) -> list[Attachment]:
    c = make_customer()
    files = [
        ("a.pdf", pdf_bytes("a")),
        ("b.png", png_bytes(1)),
        ("c.pdf", pdf_bytes("c")),
        ("d.png", png_bytes(2)),
    ]
    for name, data in files:
        services.document_add(
            actor=users["account_manager"],
            customer_id=c.pk,
            file_type_code="C1",
            title=name,
            upload=upload(name, data),
        )
    # the same content twice: one file, two rows
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="C1",
        title="again",
        upload=upload("a2.pdf", files[0][1]),
    )
    return list(Attachment.objects.order_by("pk"))


def test_clean_store_passes(stored: list[Attachment]) -> None:
    code, text = _run()
    assert code == 0, text
    assert "已核对 4 个文件" in text
    run = FixityRun.objects.get()
    assert run.ok and run.checked == 4


def test_changed_missing_and_stray_reported_exactly(stored: list[Attachment]) -> None:
    a, b, c, d, a_again = stored
    assert a.file.name == a_again.file.name
    path_a = Path(a.file.path)
    data = bytearray(path_a.read_bytes())
    data[10] ^= 0x01  # one byte
    path_a.write_bytes(bytes(data))
    Path(b.file.path).unlink()
    stray = Path(settings.MEDIA_ROOT) / "attachments" / "ff" / ("f" * 64)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"nobody's file")

    code, text = _run()
    assert code == 1
    lines = [line for line in text.splitlines() if line.startswith(("CHANGED", "MISSING", "STRAY"))]
    assert len(lines) == 3, text
    assert lines[0].startswith(f"CHANGED {a.file.name} 附件 {a.pk},{a_again.pk}")
    assert hashlib.sha256(bytes(data)).hexdigest() in lines[0]
    assert lines[1] == f"MISSING {b.file.name} 附件 {b.pk}"
    assert lines[2] == f"STRAY   attachments/ff/{'f' * 64}"
    assert c.file.name not in text and d.file.name not in text

    run = FixityRun.objects.get()
    assert [p["name"] for p in run.changed] == [a.file.name]
    assert [p["name"] for p in run.missing] == [b.file.name]
    assert [p["name"] for p in run.stray] == [f"attachments/ff/{'f' * 64}"]
    # nothing was "fixed": the changed file is still changed, the stray file still there
    assert path_a.read_bytes() == bytes(data) and stray.exists()


def test_weekly_job_runs_the_same_sweep(stored: list[Attachment]) -> None:
    Path(stored[2].file.path).unlink()
    result = verify_attachments_weekly.call_local()
    assert result == {"checked": 3, "changed": 0, "missing": 1, "stray": 0}
    assert FixityRun.objects.get().missing[0]["attachments"] == [stored[2].pk]


def test_weekly_job_is_scheduled() -> None:
    from huey.contrib.djhuey import HUEY

    names = [t.name for t in HUEY._registry.periodic_tasks]
    assert "verify_attachments_weekly" in names


def test_findings_are_listed_in_the_admin(stored: list[Attachment], login: Any) -> None:
    Path(stored[1].file.path).unlink()
    _run()
    client = login("admin")
    page = client.get("/admin/ops/fixityrun/")
    assert page.status_code == 200
    assert "0 / 1 / 0" in page.content.decode()
    run = FixityRun.objects.get()
    detail = client.get(f"/admin/ops/fixityrun/{run.pk}/change/").content.decode()
    assert stored[1].file.name in detail
    assert login("auditor").get("/admin/ops/fixityrun/").status_code == 302  # staff only
