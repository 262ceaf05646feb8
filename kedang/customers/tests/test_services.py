"""Customer and vehicle services: validation, history, timeline, documents and attachments (R-A1..R-A7)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import Attachment, ChecklistItem, Customer, Record, Vehicle
from kedang.customers.selectors import customer_files

VIN = "1M8GDM9AXKP042788"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_create_person_derives_birthday_and_gender_from_id(users: dict[str, User]) -> None:
    c = services.customer_create(actor=users["account_manager"], name="张三", id_number="11010519491231002x")
    assert c.id_number == "11010519491231002X"
    assert c.birthday == dt.date(1949, 12, 31)
    assert c.gender == "F"
    assert c.owner == users["account_manager"]
    assert c.archive_no.startswith("KDP-")


def test_birthday_that_contradicts_id_number_is_refused(users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=users["cs_agent"], name="张三", id_number="11010519491231002X", birthday=dt.date(1950, 1, 1)
        )
    assert set(exc.value.message_dict) == {"birthday"}
    assert Customer.objects.count() == 0


def test_every_bad_field_is_named_at_once_and_nothing_written(users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=users["cs_agent"], name="", phone="123", id_number="110105194912310021", tier="Z"
        )
    assert set(exc.value.message_dict) == {"name", "phone", "id_number", "tier"}
    assert Customer.objects.count() == 0
    assert Record.objects.count() == 0


def test_company_needs_uscc_not_id_number(users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=users["cs_agent"], name="某公司", kind="company", id_number="11010519491231002X"
        )
    assert "id_number" in exc.value.message_dict
    c = services.customer_create(
        actor=users["cs_agent"], name="某公司", kind="company", uscc="91110000600037341L"
    )
    assert c.archive_no.startswith("KDC-")


def test_account_manager_cannot_create_for_someone_else(users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=users["account_manager"], name="甲", owner=users["am2"])
    assert "owner" in exc.value.message_dict


def test_auditor_is_read_only(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=users["auditor"], name="甲")
    c = make_customer()
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=users["auditor"], customer_id=c.pk, name="乙")


def test_update_keeps_history_with_user_and_reason(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(phone="13800000000")
    services.customer_update(
        actor=users["cs_agent"], customer_id=c.pk, phone="138 1111 2222", reason="客户换号"
    )
    c.refresh_from_db()
    assert c.phone_norm == "13811112222"
    latest = c.history.order_by("-history_date").first()
    assert latest.history_user == users["cs_agent"]
    assert latest.history_change_reason == "客户换号"
    prev = latest.prev_record
    assert prev.phone == "13800000000"
    assert Record.objects.filter(customer=c, kind="change", title__contains="电话").exists()


def test_update_of_invisible_customer_is_404(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(owner=users["account_manager"])
    with pytest.raises(Http404):
        services.customer_update(actor=users["am2"], customer_id=c.pk, name="改名")
    c.refresh_from_db()
    assert c.name != "改名"


def test_only_managers_change_owner(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    c = make_customer()
    with pytest.raises(ValidationError):
        services.customer_update(actor=users["cs_agent"], customer_id=c.pk, owner="am2")
    services.customer_update(actor=users["sales_manager"], customer_id=c.pk, owner="am2", reason="调整分工")
    c.refresh_from_db()
    assert c.owner == users["am2"]


def test_delete_needs_manager_and_reason_and_hides_customer(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer()
    with pytest.raises(PermissionDenied):
        services.customer_delete(actor=users["account_manager"], customer_id=c.pk, reason="x")
    with pytest.raises(ValidationError):
        services.customer_delete(actor=users["general_manager"], customer_id=c.pk, reason=" ")
    services.customer_delete(actor=users["general_manager"], customer_id=c.pk, reason="重复建档")
    from kedang.archive.visibility import customers_visible_to

    assert not customers_visible_to(users["general_manager"]).filter(pk=c.pk).exists()
    assert Customer.objects.filter(pk=c.pk).exists(), "soft delete: nothing lost"


def test_vehicle_normalises_keys_and_opens_its_two_files(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer()
    v = services.vehicle_create(
        actor=users["account_manager"], customer_id=c.pk, vin="1m8gdm9axkp042788", plate="京a·12345"
    )
    assert (v.vin, v.plate) == (VIN, "京A12345")
    assert sorted(v.files.values_list("file_type__code", flat=True)) == ["REPAIR", "SALES"]
    with pytest.raises(ValidationError) as exc:
        services.vehicle_create(actor=users["account_manager"], customer_id=c.pk, vin=VIN)
    assert exc.value.message_dict.keys() == {"vin"}
    assert Vehicle.objects.count() == 1


def test_uploading_a_checklist_scan_shrinks_the_missing_list(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer()
    v = services.vehicle_create(actor=users["account_manager"], customer_id=c.pk, vin=VIN)
    sales = next(f for f in customer_files(c) if f.file_type.code == "SALES")
    before = [i.name for i in sales.missing]
    assert "购车合同" in before
    item = ChecklistItem.objects.get(file_type__code="SALES", name="购车合同")
    upload = SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf")
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="SALES",
        vehicle_id=v.pk,
        checklist_item_id=item.pk,
        upload=upload,
    )
    sales = next(f for f in customer_files(c) if f.file_type.code == "SALES")
    assert [i.name for i in sales.missing] == [n for n in before if n != "购车合同"]
    att = Attachment.objects.get()
    assert att.sha256 == hashlib.sha256(PDF).hexdigest()
    assert att.content_type == "application/pdf"
    assert services.attachment_verify(att)
    # tampering is detected, never silently fixed
    path = att.file.path
    with open(path, "ab") as fh:
        fh.write(b"x")
    assert not services.attachment_verify(att)


def test_a_renamed_binary_is_refused(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    c = make_customer()
    upload = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.document_add(
            actor=users["account_manager"],
            customer_id=c.pk,
            file_type_code="C1",
            title="登记表",
            upload=upload,
        )
    assert "file" in exc.value.message_dict
    assert Record.objects.filter(kind="document").count() == 0


def test_file_is_complete_when_all_required_items_are_in(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer()
    v = services.vehicle_create(actor=users["account_manager"], customer_id=c.pk, vin=VIN)
    for item in ChecklistItem.objects.filter(file_type__code="REPAIR"):
        services.document_add(
            actor=users["account_manager"],
            customer_id=c.pk,
            file_type_code="REPAIR",
            vehicle_id=v.pk,
            checklist_item_id=item.pk,
        )
    repair = next(f for f in customer_files(c) if f.file_type.code == "REPAIR")
    assert repair.complete and repair.received_count == 4


def test_paper_location_is_recorded(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    c = make_customer()
    f = services.archive_file_set_location(
        actor=users["archivist"], customer_id=c.pk, file_type_code="C1", cabinet="3", shelf="2", box="15"
    )
    assert f.location == "3柜2层15盒"


def test_contacts_are_added_validated_and_removed(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(kind="company", name="某某贸易有限公司")
    with pytest.raises(ValidationError) as exc:
        services.contact_add(actor=users["account_manager"], customer_id=c.pk, name="", phone="123")
    assert set(exc.value.message_dict) == {"name", "phone"}
    p = services.contact_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        name="王经理",
        title="采购",
        phone="13800001111",
        is_authorised_signer=True,
    )
    assert p.phone == "13800001111" and c.contacts.count() == 1
    with pytest.raises(Http404):
        services.contact_remove(actor=users["am2"], contact_id=p.pk)
    services.contact_remove(actor=users["account_manager"], contact_id=p.pk)
    assert c.contacts.count() == 0


def test_change_records_are_written_in_chinese_whatever_the_ui_language(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from django.utils import translation

    c = make_customer()
    with translation.override("en"):
        services.customer_update(actor=users["cs_agent"], customer_id=c.pk, address="上海市浦东新区")
    assert Record.objects.filter(customer=c, title="修改：地址").exists()
