"""ID numbers are encrypted at rest; exact look-ups and duplicate checks still work (R-G7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from kedang.customers.models import Customer
from kedang.privacy.crypto import PREFIX, decrypt, decrypt_json, encrypt, encrypt_json, is_encrypted_json

from .conftest import ID

ROOT = Path(__file__).resolve().parents[3]


def _raw(pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT id_number FROM {Customer._meta.db_table} WHERE id = %s", [pk])
        return str(cur.fetchone()[0])


def test_the_column_holds_ciphertext_and_the_model_the_number(person: Any) -> None:
    raw = _raw(person.pk)
    assert raw.startswith(PREFIX) and ID not in raw
    assert Customer.objects.get(pk=person.pk).id_number == ID
    assert Customer.history.filter(id=person.pk).values_list("id_number", flat=True)[0] == ID


def test_exact_lookups_work_on_the_ciphertext(person: Any, make_customer: Any) -> None:
    make_customer(name="别人", id_number="110105194812310022")
    assert list(Customer.objects.filter(id_number=ID)) == [person]
    assert Customer.objects.filter(id_number__in=[ID, "110105194812310022"]).count() == 2
    assert not Customer.objects.filter(id_number="110105195012310029").exists()


def test_lookups_that_cannot_work_on_a_ciphertext_are_refused() -> None:
    with pytest.raises(FieldError, match="only exact"):
        Customer.objects.filter(**{"id_number__contains": "1949"}).exists()


@settings(max_examples=50, deadline=None)
@given(value=st.text(min_size=1, max_size=40), purpose=st.sampled_from(["a", "customer.id_number"]))
def test_encryption_round_trips_and_is_deterministic(value: str, purpose: str) -> None:
    token = encrypt(value, purpose)
    assert token.startswith(PREFIX)
    assert decrypt(token, purpose) == value
    assert encrypt(value, purpose) == token  # deterministic: the blind index


def test_the_purpose_is_bound_in() -> None:
    assert encrypt(ID, "customer.id_number") != encrypt(ID, "other.field")


def test_rows_written_before_encryption_are_encrypted_by_the_migration(person: Any) -> None:
    import importlib

    from django.apps import apps

    with connection.cursor() as cur:  # as the column was before the migration
        cur.execute(f"UPDATE {Customer._meta.db_table} SET id_number = %s WHERE id = %s", [ID, person.pk])
    assert Customer.objects.get(pk=person.pk).id_number == ID  # clear text still reads
    migration = importlib.import_module("kedang.customers.migrations.0007_id_number_encrypted")
    migration.encrypt_existing(apps, None)
    assert _raw(person.pk).startswith(PREFIX)
    assert Customer.objects.get(id_number=ID) == person


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="reads a SQLite file")
def test_the_sqlite_file_and_a_backup_hold_no_id_number_in_clear(tmp_path: Path) -> None:
    """A real database file, written by the app's own commands: no ID number in its bytes (incl. WAL)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "KEDANG_MEDIA_ROOT": str(tmp_path),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    script = (
        "from kedang.accounts.services import roles_ensure, user_upsert\n"
        "from kedang.customers.services import customer_create, customer_update\n"
        "roles_ensure()\n"
        "am, _ = user_upsert(username='am', role='account_manager', password='x', department='d', "
        "check_password=False)\n"
        f"c = customer_create(actor=am, name='王建国', phone='13812345678', id_number='{ID}')\n"
        "import datetime\n"
        "customer_update(actor=am, customer_id=c.pk, id_number='110105194812310022', "
        "birthday=datetime.date(1948, 12, 31), reason='更正')\n"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "backup", str(tmp_path / "backup")], env=env, check=True, cwd=ROOT)
    database = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))
    backup = b"".join(p.read_bytes() for p in (tmp_path / "backup").rglob("*") if p.is_file())
    for blob in (database, backup):
        assert len(blob) > 100_000
        for number in (ID, "110105194812310022"):
            assert number.encode() not in blob
            assert number[::-1].encode() not in blob  # nor reversed (the search index)
        assert "王建国".encode() in blob  # the search would find a number in clear: the name is there


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="reads a SQLite file")
def test_change_requests_and_imports_leave_no_id_number_or_phone_in_clear(tmp_path: Path) -> None:
    """#13: a change request to a filed archive (its new values and the ones they replace) and an import with
    a rejected row, written by the app's own services: no ID number, and no phone that is not a customer's
    current phone, in the database file (incl. WAL), the media folder or a backup."""
    import random

    from kedang.customers import demo

    rng = random.Random(13)
    id_old, id_new, id_rejected, id_imported = (demo.valid_id_number(rng) for _ in range(4))
    phone_new, phone_rejected = "13911112222", "13733334444"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "KEDANG_MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    png = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGP8//8/AwwwMSAB3BwAlm4"
        "DBfIlvvkAAAAASUVORK5CYII="
    )
    csv = f"客户名称,手机,身份证号,电子邮箱\\n李导入,13655556666,{id_imported},\\n赵拒绝,{phone_rejected},{id_rejected},坏邮箱\\n"
    script = (
        "from kedang.accounts.services import roles_ensure, user_upsert\n"
        "from kedang.customers import validators as v\n"
        "from kedang.customers.services import customer_create, customer_update\n"
        "from kedang.errors import ApprovalPending\n"
        "from kedang.exchange import services\n"
        "from kedang.governance import filing\n"
        "from kedang.governance.models import ChangeRequest\n"
        "roles_ensure()\n"
        "am, _ = user_upsert(username='am', role='account_manager', password='x', department='d', "
        "check_password=False)\n"
        "sm, _ = user_upsert(username='sm', role='sales_manager', password='x', department='d', "
        "check_password=False)\n"
        f"c = customer_create(actor=am, name='王建国', phone='13812345678', id_number='{id_old}')\n"
        f"filing.filing_submit(actor=am, customer_id=c.pk, drawn='{png}')\n"
        "filing.filing_approve(actor=sm, customer_id=c.pk)\n"
        "try:\n"
        f"    customer_update(actor=am, customer_id=c.pk, phone='{phone_new}', id_number='{id_new}', "
        f"birthday=v.id_number_birth_date('{id_new}'), reason='更正')\n"
        "except ApprovalPending:\n"
        "    pass\n"
        "req = ChangeRequest.objects.get()\n"
        f"assert req.changes['id_number'] == '{id_new}' and req.before['id_number'] == '{id_old}', req.changes\n"
        f"job = services.import_upload_store(actor=am, chunks=['{csv}'.encode()], original_name='客户.csv')\n"
        "job = services.import_job_run(actor=am, job=job)\n"
        "assert (job.status, job.created, job.rejected) == ('done', 1, 1), job\n"
        f"assert job.rejections.get().values[1] == '{phone_rejected}'\n"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "backup", str(tmp_path / "backup")], env=env, check=True, cwd=ROOT)
    database = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))
    media = b"".join(p.read_bytes() for p in (tmp_path / "media").rglob("*") if p.is_file())
    backup = b"".join(p.read_bytes() for p in (tmp_path / "backup").rglob("*") if p.is_file())
    for blob in (database, media, backup):
        for number in (id_old, id_new, id_rejected, id_imported, phone_new, phone_rejected):
            assert number.encode() not in blob
            assert number[::-1].encode() not in blob
    for blob in (database, backup):
        assert len(blob) > 100_000
        assert "赵拒绝".encode() not in blob  # nor the rejected row's name: its cells are encrypted
        assert b"13812345678" in blob  # the customer's current phone is there: the search would work


@settings(max_examples=50, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=10,
    ),
    purpose=st.sampled_from(["a", "changerequest.changes"]),
)
def test_json_encryption_round_trips_with_a_random_nonce(value: Any, purpose: str) -> None:
    token = encrypt_json(value, purpose)
    assert is_encrypted_json(token) and decrypt_json(token, purpose) == value
    assert encrypt_json(value, purpose) != token  # not deterministic: equal values do not show
    assert decrypt_json({"clear": [1]}, purpose) == {"clear": [1]}  # rows from before the migration


def test_json_purpose_is_bound_in_and_tampering_is_detected() -> None:
    from django.core.exceptions import ImproperlyConfigured

    token = encrypt_json({"id_number": ID}, "changerequest.changes")
    with pytest.raises(ImproperlyConfigured):
        decrypt_json(token, "changerequest.before")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(ImproperlyConfigured):
        decrypt_json(flipped, "changerequest.changes")
