"""A crawler per role (R-G7): every page, export, printed form and API read that shows a customer, fetched as
each role; no phone number in clear where the role sees phones masked, no checksum-valid ID number where it
sees IDs masked. The pages come from the access matrix's route table, so new routes are crawled too.

The customer is edited first (old and new numbers in the history, its diffs and a change request), every zip,
workbook and PDF downloaded is opened, the Django admin is crawled, and the error bodies of a stale save
(page and API), of a duplicate and of every API write are read too."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import DEFAULT_MASKING
from kedang.api import api as ninja_api
from kedang.customers.validators import id_number_check_char
from kedang.customers.views import TABS

from .test_access_matrix import API_OBJECTS, OPEN, ROUTES, _api_operations, _body

PHONE = "13866025791"
ID = "440306198503172414"
OLD_PHONE = "13987654321"
OLD_ID = "320102197711053622"
PHONES = (PHONE, OLD_PHONE)
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


SAMPLE_ID = "11010519491231002X"  # the import template's printed example, nobody's number


def valid_ids(text: str) -> list[str]:
    return [m for m in ID_LIKE.findall(text) if id_number_check_char(m[:17]) == m[17] and m != SAMPLE_ID]


@pytest.fixture
def visible(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> dict[str, Any]:
    from kedang.agenda.models import Rule, Task
    from kedang.customers.services import customer_update
    from kedang.governance.models import ChangeRequest

    customer = make_customer(name="王建国", phone=OLD_PHONE, id_number=OLD_ID)
    customer = customer_update(
        actor=users["general_manager"],
        customer_id=customer.pk,
        phone=PHONE,
        id_number=ID,
        birthday=dt.date(1985, 3, 17),
        reason="更正",
    )
    ChangeRequest.objects.create(
        customer=customer,
        changes={"phone": OLD_PHONE, "id_number": OLD_ID},
        before={"phone": PHONE, "id_number": ID},
        reason="更正",
        requester=users["account_manager"],
    )
    vehicle = make_vehicle(customer)
    today = timezone.localdate()
    rule = Rule.objects.order_by("pk").first()
    assert rule is not None
    task = Task.objects.create(
        rule=rule,
        customer=customer,
        anchor_date=today,
        due_date=today,
        next_attempt_on=today,
        assignee=users["cs_agent"],
    )
    from kedang.care.models import Message

    message = Message.objects.create(customer=customer, channel="sms", recipient=PHONE, body="生日快乐")
    return {
        "customer": customer.pk,
        "vehicle": vehicle.pk,
        "task": task.pk,
        "message": message.pk,
        "phone": "phone",
    }


def _pages(visible: dict[str, Any]) -> list[str]:
    urls = []
    for name, entry in ROUTES.items():
        if entry == OPEN:
            urls.append(reverse(name))
        elif isinstance(entry, dict) and all(v in visible for v in entry.values()):
            urls.append(reverse(name, kwargs={k: visible[v] for k, v in entry.items()}))
    detail = reverse("customer_detail", args=[visible["customer"]])
    urls += [f"{detail}?tab={key}" for key, _label, _t in TABS]
    urls += [
        reverse("search") + "?q=5791",
        reverse("search_suggest") + "?q=5791",
        reverse("search") + "?q=2414",
        reverse("customers_export") + "?format=csv",
    ]
    return urls


def _file_text(name: str, data: bytes) -> str:
    """What a person opening the file would read: PDFs and workbooks are opened, zips member by member."""
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if name.endswith(".xlsx") or "xl/workbook.xml" in archive.namelist():
                from openpyxl import load_workbook

                book = load_workbook(io.BytesIO(data), read_only=True)
                return "\n".join(
                    " ".join("" if v is None else str(v) for v in row)
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True)
                )
            return "\n".join(f"{n}\n{_file_text(n, archive.read(n))}" for n in archive.namelist())
    return data.decode(errors="replace")


def _text(response: Any) -> str:
    if getattr(response, "streaming", False) or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return _body(response)
    name = response.get("Content-Disposition", "")
    return _file_text(name.strip('"'), response.content)


def _leaks(text: str, sees_phone: bool, sees_id: bool) -> list[str]:
    found = [] if sees_phone else [p for p in PHONES if p in text]
    return found + ([] if sees_id else valid_ids(text))


@pytest.mark.parametrize("role", sorted(DEFAULT_MASKING))
def test_no_unmasked_numbers_where_the_role_sees_them_masked(
    role: str, visible: dict[str, Any], users: dict[str, User], client: Client, api: Callable[..., Any]
) -> None:
    sees_phone, sees_id, _ = DEFAULT_MASKING[role]
    client.force_login(users[role])
    seen: dict[str, int] = {}
    leaks = []
    for url in _pages(visible):
        response = client.get(url)
        if response.status_code != 200:
            continue
        seen[url] = 1
        leaks += [(found, url) for found in _leaks(_text(response), sees_phone, sees_id)]
    for path, method, _op in _api_operations():
        if method != "get":
            continue
        if "{" in path:
            key = API_OBJECTS.get(path[: path.index("}") + 1])
            if key not in visible:
                continue
            path = re.sub(r"\{[a-z_]+\}", str(visible[key]), path)
        response = api(
            role, "get", path.removeprefix("/api/v1") + ("?q=5791" if path.endswith("/search") else "")
        )
        if response.status_code != 200:
            continue
        seen[path] = 1
        leaks += [(found, path) for found in _leaks(_text(response), sees_phone, sees_id)]
    leaks += _admin_leaks(client, sees_phone, sees_id)
    leaks += _error_leaks(role, visible, client, api, sees_phone, sees_id)
    assert sorted(set(leaks)) == [], sorted(set(leaks))
    assert len(seen) > 20  # the crawl reached the pages


def _admin_leaks(client: Client, sees_phone: bool, sees_id: bool) -> list[tuple[str, str]]:
    """Every changelist of the Django admin and the change view of its first object, where the role gets in."""
    from django.contrib import admin

    leaks = []
    for model in admin.site._registry:
        meta = model._meta
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
        for url in urls:
            response = client.get(url)
            if response.status_code == 200:
                leaks += [(found, url) for found in _leaks(_text(response), sees_phone, sees_id)]
    return leaks


def _error_leaks(
    role: str,
    visible: dict[str, Any],
    client: Client,
    api: Callable[..., Any],
    sees_phone: bool,
    sees_id: bool,
) -> list[tuple[str, str]]:
    """The error bodies: a stale save (page and API, version 1 is older than the edit above), a duplicate,
    and every API write sent a minimal body. Writes last: they may change or erase the customer."""
    from .test_access_matrix import _example

    customer = visible["customer"]
    bodies: list[tuple[str, Any]] = []
    edit = reverse("customer_edit", args=[customer])
    form = client.get(edit)
    if form.status_code == 200:
        data = _form_data(form.content.decode())
        data.update(version="1", reason="核对", address="新地址")
        bodies.append((edit, client.post(edit, data)))
    bodies.append(
        ("PATCH version=1", api(role, "patch", f"/customers/{customer}", {"version": 1, "address": "另址"}))
    )
    bodies.append(
        (
            "POST duplicate",
            api(role, "post", "/customers", {"name": "王建国", "phone": PHONE, "id_number": ID}),
        )
    )
    components = ninja_api.get_openapi_schema()["components"]["schemas"]
    writes = [(p, m, op) for p, m, op in _api_operations() if m in ("post", "patch", "put")]
    writes.sort(key=lambda w: "erase" in w[0])
    for path, method, op in writes:
        if "{" in path:
            key = API_OBJECTS.get(path[: path.index("}") + 1])
            if key not in visible:
                continue
            path = re.sub(r"\{[a-z_]+\}", str(visible[key]), path)
        content = op.get("requestBody", {}).get("content", {})
        body = (
            _example(content["application/json"]["schema"], components)
            if "application/json" in content
            else {}
        )
        bodies.append((f"{method.upper()} {path}", api(role, method, path.removeprefix("/api/v1"), body)))
    leaks = []
    for where, response in bodies:
        if response.status_code < 500:
            leaks += [(found, where) for found in _leaks(_text(response), sees_phone, sees_id)]
    return leaks


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio", "submit"):
            self.data[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a and a.get("name"):
            self.data[a["name"]] = a.get("value", "on")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.data):
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            if self._textarea:
                self.data[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def _form_data(html: str) -> dict[str, str]:
    """The values of the page's form as the browser would send them."""
    parser = _Form()
    parser.feed(html)
    return parser.data


def test_the_crawler_would_see_a_leak(
    visible: dict[str, Any], login: Callable[[str], Client], api: Callable[..., Any]
) -> None:
    """The role that sees everything finds the numbers in clear, on the page, in the history's old values, in
    the stale-save diffs and in the personal-data zip: the checks above can fail."""
    client = login("general_manager")
    html = client.get(reverse("customer_detail", args=[visible["customer"]])).content.decode()
    assert PHONE in html and valid_ids(html) == [ID]
    history = client.get(reverse("customer_detail", args=[visible["customer"]]) + "?tab=history")
    assert set(_leaks(_text(history), False, False)) >= {OLD_PHONE, OLD_ID}
    zipped = api("general_manager", "get", f"/customers/{visible['customer']}/personal-data")
    assert zipped.status_code == 200 and ID in _text(zipped)
    found = {where for _found, where in _error_leaks("general_manager", visible, client, api, False, False)}
    assert {reverse("customer_edit", args=[visible["customer"]]), "PATCH version=1"} <= found
