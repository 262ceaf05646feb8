"""Customer operations (R-A1, R-G3, R-G4): create, change (with approval once filed), delete, revert, contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Scope
from kedang.accounts.selectors import can_approve_changes, data_scope, is_manager
from kedang.archive import hooks
from kedang.archive.masking import change_value_shown
from kedang.archive.timeline import record_add
from kedang.archive.visibility import customer_for_write, require_write
from kedang.customers.history import attribute
from kedang.errors import ApprovalPending, Conflict
from kedang.search.index import index_customers

from .. import validators as v
from ..models import (
    ContactPerson,
    Customer,
    CustomerKind,
    Gender,
    Record,
    RecordKind,
    Tag,
    Tier,
)
from .common import CUSTOMER_FIELDS, _clean, _errors_add, _labels, archive_no_next


def clean_customer(actor: User, data: dict[str, Any], *, instance: Customer | None) -> dict[str, Any]:
    """Validate and normalise customer fields; raise one ValidationError naming every bad field."""
    errors: dict[str, list[ValidationError]] = {}
    unknown = set(data) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({k: ValidationError("未知字段", code="unknown_field") for k in sorted(unknown)})

    kind = data.get("kind", instance.kind if instance else CustomerKind.PERSON)
    if kind not in CustomerKind.values:
        _errors_add(errors, "kind", ValidationError("类型必须为 person 或 company", code="invalid_choice"))
    if "name" in data or instance is None:
        data["name"] = str(data.get("name") or "").strip()
        if data["name"]:
            _clean(errors, data, "name", v.validate_name)
        if not data["name"] and not errors.get("name"):
            _errors_add(errors, "name", ValidationError("名称不能为空", code="required"))
        elif len(data["name"]) > 100:
            _errors_add(errors, "name", ValidationError("名称不能超过100个字", code="max_length"))
    if "legal_representative" in data:
        _clean(errors, data, "legal_representative", v.validate_name)
    for name in ("phone", "phone2"):
        if name in data:
            _clean(errors, data, name, v.validate_phone)
    if "id_number" in data:
        _clean(errors, data, "id_number", v.validate_id_number)
    if "uscc" in data:
        _clean(errors, data, "uscc", v.validate_uscc)
    id_number = data.get("id_number", instance.id_number if instance else "")
    uscc = data.get("uscc", instance.uscc if instance else "")
    if kind == CustomerKind.PERSON and uscc:
        _errors_add(errors, "uscc", ValidationError("个人客户不填统一社会信用代码", code="kind_mismatch"))
    if kind == CustomerKind.COMPANY and id_number:
        _errors_add(
            errors,
            "id_number",
            ValidationError("单位客户不填身份证号，请填统一社会信用代码", code="kind_mismatch"),
        )
    if "gender" in data:
        data["gender"] = data["gender"] or ""
        if data["gender"] not in Gender.values:
            _errors_add(errors, "gender", ValidationError("性别必须为 M、F 或空", code="invalid_choice"))
    if "tier" in data:
        data["tier"] = data["tier"] or ""
        if data["tier"] and data["tier"] not in Tier.values:
            _errors_add(
                errors,
                "tier",
                ValidationError(f"等级必须为 {'、'.join(Tier.values)} 之一", code="invalid_choice"),
            )
    for name in ("birthday", "since"):
        if name in data and data[name] is not None and not isinstance(data[name], dt.date):
            _errors_add(errors, name, ValidationError("日期格式应为 YYYY-MM-DD", code="invalid_date"))
    birthday = data.get("birthday", instance.birthday if instance else None)
    if isinstance(birthday, dt.date) and birthday > timezone.localdate():
        _errors_add(errors, "birthday", ValidationError("出生日期不能晚于今天", code="future_date"))
    if id_number and "id_number" not in errors and "birthday" not in errors:
        born = v.id_number_birth_date(id_number)
        if birthday is None:
            data["birthday"] = born
        elif birthday != born:
            _errors_add(
                errors,
                "birthday",
                ValidationError(f"出生日期与身份证号不符（应为 {born:%Y-%m-%d}）", code="mismatch"),
            )
        if not data.get("gender", instance.gender if instance else ""):
            data["gender"] = v.id_number_gender(id_number)
    if "email" in data and data["email"]:
        from django.core.validators import validate_email

        try:
            validate_email(data["email"])
        except ValidationError:
            _errors_add(errors, "email", ValidationError("电子邮箱格式不正确", code="invalid_email"))

    if "owner" in data:
        owner = data["owner"]
        if isinstance(owner, str):
            owner = User.objects.filter(username=owner, is_active=True).first()
            if owner is None:
                _errors_add(errors, "owner", ValidationError("客户经理不存在或已停用", code="unknown_user"))
        if isinstance(owner, User):
            data["owner"] = owner
            if owner != actor and data_scope(actor).scope == Scope.SELF:
                _errors_add(
                    errors, "owner", ValidationError("只能为自己名下建档或修改", code="forbidden_owner")
                )
            if instance is not None and owner != instance.owner and not is_manager(actor):
                _errors_add(
                    errors, "owner", ValidationError("更换客户经理需要经理权限", code="forbidden_owner")
                )
    if "tags" in data:
        tags = data["tags"] or []
        if isinstance(tags, str):
            tags = [t for t in (x.strip() for x in tags.replace("，", ",").split(",")) if t]
        if any(len(t) > 30 for t in tags):
            _errors_add(errors, "tags", ValidationError("标签不能超过30个字", code="max_length"))
        data["tags"] = list(dict.fromkeys(tags))
    for name in ("address", "source", "legal_representative", "market_area", "capacity", "credit_rating"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if errors:
        raise ValidationError(errors)
    return data


def _set_tags(customer: Customer, names: Iterable[str]) -> None:
    tags = [Tag.objects.get_or_create(name=n)[0] for n in names]
    customer.tags.set(tags)


def changes_since(customer: Customer, version: int, viewer: User) -> list[dict[str, str]]:
    """What differs between the customer's history at `version` and now: [{field, label, before, after}],
    masked for the viewer (the 409 answer goes to her, page and API)."""
    base = customer.history.filter(version=version).order_by("-history_date").first()
    if base is None:
        return []
    diff = []
    skip = {"version", "updated_at", "phone_norm", "phone2_norm"}
    for f in Customer._meta.concrete_fields:
        if f.name in skip or not hasattr(base, f.attname):
            continue
        before, after = getattr(base, f.attname), getattr(customer, f.attname)
        if before != after:
            diff.append(
                {
                    "field": f.name,
                    "label": _labels(Customer, [f.name]),
                    "before": change_value_shown(viewer, f.name, before or ""),
                    "after": change_value_shown(viewer, f.name, after or ""),
                }
            )
    return diff


@transaction.atomic
def customer_create(*, actor: User, **fields: Any) -> Customer:
    """Create a customer with an archive number; the owner defaults to the actor."""
    require_write(actor)
    fields.setdefault("owner", actor)
    data = clean_customer(actor, dict(fields), instance=None)
    tags = data.pop("tags", [])
    kind = data.get("kind") or CustomerKind.PERSON
    data["kind"] = kind
    customer = Customer(**data, created_by=actor, archive_no=archive_no_next(kind=kind))
    customer.phone_norm = v.normalize_phone(customer.phone) if customer.phone else ""
    customer.phone2_norm = v.normalize_phone(customer.phone2) if customer.phone2 else ""
    attribute(customer, actor, "建档")
    customer.save()
    _set_tags(customer, tags)
    record_add(customer, actor, RecordKind.CHANGE, "建立档案", f"档号 {customer.archive_no}")
    index_customers([customer.pk])
    return customer


class _NeedsApproval(Exception):
    def __init__(self, kind: str, data: dict[str, Any]) -> None:
        self.kind, self.data = kind, data


def _propose_instead(
    actor: User, customer_id: int, reason: str, fields: dict[str, Any], need: _NeedsApproval
) -> NoReturn:
    """After the change was rolled back: record it as a proposal for the sales manager (R-G3)."""
    with transaction.atomic():
        customer = Customer.objects.get(pk=customer_id)
        request_id = hooks.change_propose(
            customer=customer, actor=actor, fields=fields, data=need.data, reason=reason, kind=need.kind
        )
    verb = "删除" if need.kind == "delete" else "修改"
    raise ApprovalPending(f"该档案已归档，{verb}已提交销售经理审批", request_id=request_id)


def customer_update(*, actor: User, customer_id: int, reason: str = "", **kwargs: Any) -> Customer:
    """Change some fields of a visible customer (see _customer_update). For a filed archive, unless the
    actor approves changes herself, the change is not applied but proposed: ApprovalPending."""
    try:
        return _customer_update(actor=actor, customer_id=customer_id, reason=reason, **kwargs)
    except _NeedsApproval as need:
        fields = {k: v for k, v in kwargs.items() if k not in ("expected_version", "approved_change")}
        _propose_instead(actor, customer_id, reason, fields, need)


@transaction.atomic
def _customer_update(
    *,
    actor: User,
    customer_id: int,
    reason: str = "",
    expected_version: int | None = None,
    approved_change: Model | None = None,
    **fields: Any,
) -> Customer:
    """Change some fields of a visible customer. History keeps who, when, before/after and the reason.

    With `expected_version` (the version the editor loaded), a save based on an older version is
    refused with Conflict and the changes made since, never a silent overwrite."""
    customer = customer_for_write(actor, customer_id, lock=True)
    if expected_version is not None and expected_version != customer.version:
        raise Conflict(
            f"{customer.name} 的档案在您编辑期间已被他人修改（版本 {expected_version} → {customer.version}），"
            "请查看差异后重新修改",
            diff=changes_since(customer, expected_version, actor),
        )
    data = clean_customer(actor, dict(fields), instance=customer)
    if customer.filed_at and approved_change is None and not can_approve_changes(actor):
        if not reason.strip():
            raise ValidationError(
                {"reason": ValidationError("已归档的档案，修改须填写原因", code="required")}
            )
        raise _NeedsApproval("update", data)
    if customer.filed_at and not (reason.strip() or approved_change):
        raise ValidationError({"reason": ValidationError("已归档的档案，修改须填写原因", code="required")})
    tags = data.pop("tags", None)
    changed = [k for k, val in data.items() if getattr(customer, k) != val]
    for k in changed:
        setattr(customer, k, data[k])
    if "phone" in changed:
        customer.phone_norm = v.normalize_phone(customer.phone) if customer.phone else ""
    if "phone2" in changed:
        customer.phone2_norm = v.normalize_phone(customer.phone2) if customer.phone2 else ""
    if customer.kind == CustomerKind.PERSON and customer.uscc:
        raise ValidationError(
            {"kind": ValidationError("个人客户不能有统一社会信用代码", code="kind_mismatch")}
        )
    if customer.kind == CustomerKind.COMPANY and customer.id_number:
        raise ValidationError({"kind": ValidationError("单位客户不能有身份证号", code="kind_mismatch")})
    if changed:
        customer.version += 1
        attribute(customer, actor, reason or "修改资料")
        customer.save()
        labels = _labels(Customer, changed)
        record_add(customer, actor, RecordKind.CHANGE, f"修改：{labels}", reason)
        index_customers([customer.pk])
    if tags is not None:
        before = sorted(customer.tags.values_list("name", flat=True))
        if before != sorted(tags):
            _set_tags(customer, tags)
            record_add(
                customer,
                actor,
                RecordKind.CHANGE,
                "修改：标签",
                f"{'、'.join(before) or '无'} → {'、'.join(tags) or '无'}",
            )
    return customer


def customer_delete(
    *, actor: User, customer_id: int, reason: str, approved_change: Model | None = None
) -> None:
    """Move a customer to the recycle bin (see _customer_delete); a filed archive's deletion is
    proposed for approval instead (ApprovalPending)."""
    try:
        _customer_delete(actor=actor, customer_id=customer_id, reason=reason, approved_change=approved_change)
    except _NeedsApproval as need:
        _propose_instead(actor, customer_id, reason, {}, need)


@transaction.atomic
def _customer_delete(
    *, actor: User, customer_id: int, reason: str, approved_change: Model | None = None
) -> None:
    """Move a customer, with everything attached, to the recycle bin (R-G4): it leaves every list
    and search at once, stays restorable for 30 days, then run_daily purges it."""
    customer = customer_for_write(actor, customer_id, lock=True)
    if not is_manager(actor):
        raise PermissionDenied("删除客户档案需要经理权限")
    if not reason.strip():
        raise ValidationError({"reason": ValidationError("请填写删除原因", code="required")})
    if Record.objects.filter(customer=customer, volume__isnull=False).exists():
        raise Conflict("该客户有已封卷的档案（固定卷），不能删除")
    if customer.filed_at and approved_change is None and not can_approve_changes(actor):
        raise _NeedsApproval("delete", {})
    customer.deleted_at = timezone.now()
    attribute(customer, actor, f"删除：{reason.strip()}")
    customer.save(update_fields=["deleted_at"])
    record_add(customer, actor, RecordKind.CHANGE, "删除档案", reason.strip())
    hooks.bin_put(kind="customer", obj=customer, customer=customer, actor=actor, reason=reason.strip())
    index_customers([customer.pk])  # a deleted customer leaves the search index


@transaction.atomic
def contact_add(
    *,
    actor: User,
    customer_id: int,
    name: str,
    title: str = "",
    phone: str = "",
    is_authorised_signer: bool = False,
) -> ContactPerson:
    """A contact person of a customer (R-A1): legal representative's staff, authorised signers, family."""
    customer = customer_for_write(actor, customer_id, lock=False)
    errors: dict[str, list[ValidationError]] = {}
    data: dict[str, Any] = {"name": name.strip(), "title": title.strip(), "phone": phone}
    if not data["name"]:
        _errors_add(errors, "name", ValidationError("请填写联系人姓名", code="required"))
    else:
        _clean(errors, data, "name", v.validate_name)
        _clean(errors, data, "title", v.validate_name)
        if len(data["name"]) > 50:
            _errors_add(errors, "name", ValidationError("姓名不能超过50个字", code="max_length"))
    _clean(errors, data, "phone", v.validate_phone)
    if errors:
        raise ValidationError(errors)
    contact = ContactPerson.objects.create(
        customer=customer, is_authorised_signer=is_authorised_signer, **data
    )
    record_add(customer, actor, RecordKind.CHANGE, f"添加联系人 {contact.name}", contact.title)
    index_customers([customer.pk])
    return contact


@transaction.atomic
def contact_remove(*, actor: User, contact_id: int) -> None:
    contact = ContactPerson.objects.filter(pk=contact_id).first()
    if contact is None:
        raise Http404("联系人不存在")
    customer = customer_for_write(actor, contact.customer_id, lock=False)
    contact.delete()
    record_add(customer, actor, RecordKind.CHANGE, f"删除联系人 {contact.name}", contact.title)
    index_customers([customer.pk])


REVERTIBLE_FIELDS = [f for f in CUSTOMER_FIELDS if f != "tags"]


@transaction.atomic
def customer_revert(*, actor: User, customer_id: int, history_id: int, reason: str) -> Customer:
    """Put the customer back as she was in an earlier version (R-G3). Managers only; the revert is
    itself a change, validated like any other, with its reason in the history."""
    if not is_manager(actor):
        raise PermissionDenied("恢复历史版本需要经理权限")
    if not reason.strip():
        raise ValidationError({"reason": ValidationError("请填写恢复原因", code="required")})
    customer = customer_for_write(actor, customer_id, lock=False)
    old = customer.history.filter(history_id=history_id).first()
    if old is None:
        raise Http404("没有该历史版本")
    fields: dict[str, Any] = {f: getattr(old, f) for f in REVERTIBLE_FIELDS if f != "owner"}
    fields["owner"] = User.objects.filter(pk=old.owner_id).first() or customer.owner
    when = timezone.localtime(old.history_date).strftime("%Y-%m-%d %H:%M")
    return customer_update(
        actor=actor, customer_id=customer_id, reason=f"恢复到 {when} 的版本：{reason.strip()}", **fields
    )
