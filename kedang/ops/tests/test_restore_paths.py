"""restore refuses a crafted manifest whose paths leave the media folder (#13): `..`, absolute paths and
symlinks in the backup or under MEDIA_ROOT; it says which and writes nothing."""

from __future__ import annotations

import hashlib
import json
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import Customer

from .helpers import pdf_bytes, upload
from .test_backup import _binaries_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = b"#!/bin/sh\necho owned\n"


def _backup(tmp_path: Path, users: dict[str, User], make_customer: Any) -> Path:
    _binaries_or_skip()
    c = make_customer()
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="C1",
        title="x",
        upload=upload("x.pdf", pdf_bytes("x")),
    )
    call_command("backup", str(tmp_path / "bk"), stdout=StringIO())
    make_customer(name="备份之后")
    return tmp_path / "bk"


def _add(bk: Path, name: str, data: bytes = PAYLOAD) -> None:
    manifest = json.loads((bk / "manifest.json").read_text(encoding="utf-8"))
    manifest["media"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (bk / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _refused(bk: Path, says: str) -> None:
    with pytest.raises(CommandError, match="不安全的路径") as exc:
        call_command("restore", str(bk), interactive=False)
    assert says in str(exc.value)
    assert Customer.objects.filter(name="备份之后").exists()  # the database is untouched
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("restore", str(bk), "--check-only", stderr=err)
    assert says in err.getvalue()


@pytest.mark.parametrize("depth", [1, 3])
def test_dot_dot_in_a_manifest_path_is_refused(
    depth: int, tmp_path: Path, users: dict[str, User], make_customer: Any
) -> None:
    bk = _backup(tmp_path, users, make_customer)
    name = "../" * depth + f"evil-{uuid.uuid4().hex}.sh"
    (bk / "media" / name).resolve().parent.mkdir(parents=True, exist_ok=True)
    (bk / "media" / name).write_bytes(PAYLOAD)  # the crafted backup carries the file, with its hash
    _add(bk, name)
    _refused(bk, "文件路径超出媒体目录")
    assert not (Path(settings.MEDIA_ROOT) / name).resolve().exists()


def test_an_absolute_manifest_path_is_refused(
    tmp_path: Path, users: dict[str, User], make_customer: Any
) -> None:
    bk = _backup(tmp_path, users, make_customer)
    target = tmp_path / "outside" / "evil.sh"
    target.parent.mkdir()
    _add(bk, str(target))
    _refused(bk, "文件路径超出媒体目录")
    assert not target.exists()


def test_a_symlink_in_the_backup_is_refused(
    tmp_path: Path, users: dict[str, User], make_customer: Any
) -> None:
    bk = _backup(tmp_path, users, make_customer)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"server secret")
    (bk / "media" / "leak.txt").symlink_to(secret)  # restore would copy the server's file into the media
    _add(bk, "leak.txt", b"server secret")
    _refused(bk, "符号链接")
    assert not (Path(settings.MEDIA_ROOT) / "leak.txt").exists()


def test_a_symlink_under_media_root_is_refused(
    tmp_path: Path, users: dict[str, User], make_customer: Any
) -> None:
    bk = _backup(tmp_path, users, make_customer)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (Path(settings.MEDIA_ROOT) / "imports").symlink_to(outside, target_is_directory=True)
    (bk / "media" / "imports").mkdir(exist_ok=True)
    (bk / "media" / "imports" / "evil.sh").write_bytes(PAYLOAD)
    _add(bk, "imports/evil.sh")
    _refused(bk, "符号链接")
    assert not (outside / "evil.sh").exists()
