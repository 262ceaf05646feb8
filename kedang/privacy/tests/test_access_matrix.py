"""The access matrix (R-G2, R-G6): every page route and every API operation, as every role, against objects
the role may not see → 403 or 404, and no list or page shows them.

Generated from the URL configuration and the OpenAPI document: a route or an API path without an entry in
ROUTES / API_OBJECTS makes `test_every_route_has_an_entry` fail, so a new module states how it is guarded.

To give every role something it may not see, the test sets every role's data scope to "own customers" (the
scopes are configuration, R-G2) and puts the hidden objects with `am2`, an account manager in another
department."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kedang.accounts.models import RoleSetting, User
from kedang.accounts.roles import Role, Scope
from kedang.api import api as ninja_api
from kedang.customers import services as customer_services
from kedang.customers.models import Attachment, Customer

HIDDEN_NAME = "隐藏客户甲乙"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

PUBLIC = "public"  # no login needed (login, logout, the language switch)
OPEN = "open"  # any logged-in user; must not show hidden objects
MISSING = "missing"  # objects outside customer visibility (paper boxes …): a missing id must answer 404

# Approval queues: these roles act on requests about customers outside their own scope (that is their job),
# and see the customer named in the request; everyone else gets 403/404 and sees nothing.
ACCESS_APPROVERS: set[str] = {Role.GENERAL_MANAGER, Role.SALES_MANAGER}
CHANGE_APPROVERS: set[str] = {Role.GENERAL_MANAGER, Role.SALES_MANAGER}
BIN_APPROVERS: set[str] = {Role.GENERAL_MANAGER}

# route name → PUBLIC | OPEN | {url kwarg: key of the hidden object in `world`} | ("roles", {roles}) (only
# they get the page) | ("approvers", {roles}, kwargs) (see above) | ("open", {roles}) (any logged-in user; these
# approvers may see hidden customers named in their queue) | ("shared", set(), kwargs) (an object every user
# may open, e.g. a customer event: it must not show the hidden customers it involves)
ROUTES: dict[str, Any] = {
    "home": OPEN,
    "login": PUBLIC,
    "logout": PUBLIC,
    "set_language": PUBLIC,
    "healthz": PUBLIC,  # the load balancer's check: figures of the node, nothing of a customer (ops tests)
    "customer_list": OPEN,
    "customer_create": OPEN,
    "field_check": {"field": "phone"},
    "customer_detail": {"customer_id": "customer"},
    "customer_edit": {"customer_id": "customer"},
    "customer_delete": {"customer_id": "customer"},
    "customer_revert": {"customer_id": "customer", "history_id": "history"},
    "vehicle_delete": {"vehicle_id": "vehicle"},
    "vehicle_create": {"customer_id": "customer"},
    "document_upload": {"customer_id": "customer"},
    "file_location": {"customer_id": "customer"},
    "note_add": {"customer_id": "customer"},
    "vehicle_edit": {"vehicle_id": "vehicle"},
    "attachment_download": {"attachment_id": "attachment"},
    "task_list": OPEN,
    "customer_followups": {"customer_id": "customer"},
    "event_create": {"customer_id": "customer"},
    "call_record": {"task_id": "task"},
    "followup_reports": OPEN,
    "followup_reports_export": OPEN,
    "followup_samples": OPEN,
    "handover": OPEN,
    "search": OPEN,
    "search_suggest": OPEN,
    "import_home": OPEN,
    "import_template": OPEN,
    "import_job": {"job_id": "import_job"},
    "import_mapping": {"job_id": "import_job"},
    "import_start": {"job_id": "import_job"},
    "import_progress": {"job_id": "import_job"},
    "import_errors": {"job_id": "import_job"},
    "customers_export": OPEN,
    "customer_form_pdf": {"customer_id": "customer"},
    "governance": ("open", ACCESS_APPROVERS | CHANGE_APPROVERS | BIN_APPROVERS),
    "access_request_create": OPEN,
    "access_request_decide": ("approvers", ACCESS_APPROVERS, {"request_id": "access_request"}),
    "access_request_cancel": {"request_id": "access_request"},
    "change_decide": ("approvers", CHANGE_APPROVERS, {"request_id": "change_request"}),
    "filing_submit": {"customer_id": "customer"},
    "filing_approve": {"customer_id": "customer"},
    "paper": OPEN,
    "box_create": OPEN,
    "paper_box": {"box_id": MISSING},
    "loan_request": {"box_id": MISSING},
    "loan_decide": {"loan_id": MISSING},
    "loan_return": {"loan_id": MISSING},
    "volume_catalogue": {"volume_id": MISSING},
    "recycle_bin_restore": ("approvers", BIN_APPROVERS, {"entry_id": "bin_entry"}),
    "access_log": ("roles", {Role.AUDITOR, Role.ADMIN}),  # the administrator is a superuser
    "unmask": {"customer_id": "customer"},
    "consent_grant": {"customer_id": "customer"},
    "consent_withdraw": {"consent_id": "consent"},
    "subject_export": {"customer_id": "customer"},
    "subject_erase": {"customer_id": "customer"},
    "complaint_list": OPEN,
    "complaint_create": OPEN,
    "complaint_customer_pick": OPEN,
    "complaint_vehicle_options": OPEN,
    "complaint_analysis": OPEN,
    "complaint_analysis_export": OPEN,
    "complaint_detail": {"complaint_id": "complaint"},
    "complaint_act": {"complaint_id": "complaint"},
    "compensation_add": {"complaint_id": "complaint"},
    "complaint_print": {"complaint_id": "complaint"},
    "compensation_decide": {"compensation_id": "compensation"},
    "care_tasks": OPEN,
    "care_preview": OPEN,
    "care_send": OPEN,
    "care_outbox": OPEN,
    "care_message_retry": {"message_id": "message"},
    "care_events": OPEN,
    "care_event": ("shared", set(), {"event_id": "care_event"}),
    "care_register": OPEN,
    "care_contact": {"customer_id": "customer"},
    "care_calendar": OPEN,
    "tasks_export": OPEN,
    "complaints_export": OPEN,
    "care_outbox_export": OPEN,
    "followup_samples_export": OPEN,
    # the approvers' queue names customers outside their scope (their job); everyone else: her own requests
    "access_requests_export": ("open", ACCESS_APPROVERS),
    "recycle_bin_export": ("open", BIN_APPROVERS),
    "call_form_pdf": {"call_id": "call"},
    "care_ical": PUBLIC,
    "contract_ledger": OPEN,
    "receivables_aging": OPEN,
    "receivables_aging_export": OPEN,
    "contract_detail": {"contract_id": "contract"},
    "contract_act": {"contract_id": "contract"},
    "invoice_add": {"customer_id": "customer"},
    "contract_add": {"customer_id": "customer"},
    "payment_add": {"customer_id": "customer"},
    "payment_reverse": {
        "payment_id": "payment"
    },  # a private token in the URL instead of a login; a wrong token is 404 (care tests)
}

# API path prefix (up to the first {id}) → key of the hidden object its {id} names
API_OBJECTS: dict[str, str] = {
    "/api/v1/customers/{id}": "customer",
    "/api/v1/vehicles/{id}": "vehicle",
    "/api/v1/tasks/{id}": "task",
    "/api/v1/access-requests/{id}": "access_request",
    "/api/v1/change-requests/{id}": "change_request",
    "/api/v1/recycle-bin/{id}": "bin_entry",
    "/api/v1/consents/{id}": "consent",
    "/api/v1/complaints/{id}": "complaint",
    "/api/v1/compensations/{id}": "compensation",
    "/api/v1/messages/{message_id}": "message",
    "/api/v1/customers/{customer_id}": "customer",
    "/api/v1/care-events/{event_id}": "care_event",
    "/api/v1/invitations/{invitation_id}": "invitation",
    "/api/v1/contracts/{id}": "contract",
    "/api/v1/payments/{id}": "payment",
}
API_SHARED = {"/api/v1/care-events/{event_id}"}  # see ("shared", …) above
API_PUBLIC = {("/api/v1/auth/token", "post")}
API_APPROVERS: dict[str, set[str]] = {
    "/api/v1/access-requests/{id}": ACCESS_APPROVERS,
    "/api/v1/change-requests/{id}": CHANGE_APPROVERS,
    "/api/v1/recycle-bin/{id}": BIN_APPROVERS,
}


def _page_routes() -> Iterator[tuple[str, str]]:
    def walk(patterns: list[Any], namespace: str | None) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace not in ("admin", "api") and p.name:
                yield p.name, str(p.pattern)

    yield from walk(get_resolver().url_patterns, None)


def _api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = ninja_api.get_openapi_schema()
    return [
        (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "patch", "put", "delete")
    ]


def test_every_route_has_an_entry() -> None:
    names = {name for name, _ in _page_routes()}
    assert names - set(ROUTES) == set(), "new page routes: add them to ROUTES"
    assert set(ROUTES) - names == set(), "ROUTES names routes that no longer exist"
    for path, method, _op in _api_operations():
        if "{" in path:
            prefix = path[: path.index("}") + 1]
            assert prefix in API_OBJECTS, f"new API path {method.upper()} {path}: add it to API_OBJECTS"


@pytest.fixture
def world(users: dict[str, User], make_vehicle: Callable[..., Any]) -> dict[str, Any]:
    """Objects that belong to am2 (another department); every role's scope becomes "own customers"."""
    from kedang.agenda.models import Rule, Task
    from kedang.care.models import CareEvent, Invitation, Message
    from kedang.complaints.services import compensation_request, complaint_create
    from kedang.exchange.models import ImportJob
    from kedang.followups.models import Call
    from kedang.governance.models import AccessRequest, ChangeRequest, RecycleBinEntry
    from kedang.privacy.services import consent_grant
    from kedang.receivables.services import contract_create, invoice_post, payment_post

    am2 = users["am2"]
    customer = customer_services.customer_create(
        actor=am2, name=HIDDEN_NAME, phone="13700001234", id_number="11010519491231002X"
    )
    vehicle = make_vehicle(customer, actor=am2)
    record = customer_services.document_add(
        actor=am2,
        customer_id=customer.pk,
        file_type_code="C1",
        title="身份证复印件",
        upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
    )
    complaint = complaint_create(actor=am2, customer_id=customer.pk, channel="phone", summary="等待时间过长")
    compensation = compensation_request(
        actor=am2, complaint_id=complaint.pk, kind="discount", amount="200.00", description="保养折扣"
    )
    event = CareEvent.objects.create(title="车友会", date=timezone.localdate(), created_by=am2)
    invitation = Invitation.objects.create(event=event, customer=customer)
    message = Message.objects.create(
        customer=customer, channel="sms", recipient="13700001234", body="生日快乐"
    )
    today = timezone.localdate()
    contract = contract_create(
        actor=am2, customer_id=customer.pk, number="HT-HIDDEN", signed_on=today, amount="1000.00"
    )
    invoice_post(
        actor=am2,
        customer_id=customer.pk,
        contract_id=contract.pk,
        number="FP-HIDDEN",
        issued_on=today,
        due_date=today,
        amount="800.00",
    )
    payment = payment_post(
        actor=am2, customer_id=customer.pk, received_on=today, amount="300.00", method="cash"
    )
    gone = customer_services.customer_create(actor=am2, name=HIDDEN_NAME + "乙")
    customer_services.customer_delete(actor=users[Role.GENERAL_MANAGER], customer_id=gone.pk, reason="重复")
    RoleSetting.objects.update(scope=Scope.SELF, read_only=False)
    today = timezone.localdate()
    rule = Rule.objects.order_by("pk").first()
    assert rule is not None
    task = Task.objects.create(
        rule=rule, customer=customer, anchor_date=today, due_date=today, next_attempt_on=today, assignee=am2
    )
    call = Call.objects.create(
        task=task, customer=customer, attempt=1, outcome="reached", called_by=am2, called_on=today
    )
    return {
        "customer": customer.pk,
        "vehicle": vehicle.pk,
        "history": Customer.history.filter(id=customer.pk).values_list("history_id", flat=True)[0],
        "attachment": Attachment.objects.get(record=record).pk,
        "task": task.pk,
        "import_job": ImportJob.objects.create(
            created_by=am2, path="/nonexistent", original_name="x.csv", sha256="0" * 64, file_format="csv"
        ).pk,
        "access_request": AccessRequest.objects.create(
            requester=am2, customer=customer, reason="查阅", days=3
        ).pk,
        "change_request": ChangeRequest.objects.create(
            customer=customer, changes={"address": "新"}, reason="更正", requester=am2
        ).pk,
        "bin_entry": RecycleBinEntry.objects.get(object_id=gone.pk).pk,
        "complaint": complaint.pk,
        "call": call.pk,
        "care_event": event.pk,
        "invitation": invitation.pk,
        "message": message.pk,
        "compensation": compensation.pk,
        "contract": contract.pk,
        "payment": payment.pk,
        "consent": consent_grant(actor=am2, customer_id=customer.pk, purpose="care", notice_version="v1").pk,
        MISSING: 987654,
        "phone": "phone",
    }


ROLES = [*Role.values]


def _request(client: Client, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def _body(response: Any) -> str:
    """The response as text, JSON with its escapes undone (so that a hidden name can be searched)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    text: str = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_page_route_as_every_role(
    name: str, world: dict[str, Any], users: dict[str, User], client: Client
) -> None:
    entry = ROUTES[name]
    if entry == PUBLIC:
        return
    kind, approvers, kwargs = "object", set(), entry
    if isinstance(entry, tuple):
        kind, approvers = entry[0], set(entry[1])
        kwargs = entry[2] if len(entry) > 2 else {}
    elif entry == OPEN:
        kind, kwargs = "open", {}
    url = reverse(name, kwargs={k: world[v] for k, v in kwargs.items()})
    anonymous = _request(client, url)
    assert anonymous.status_code in (302, 401, 403) and "login" in anonymous.get("Location", "/login/"), name
    object_route = any(v != "phone" for v in kwargs.values())
    wrong = {}
    for role in ROLES:
        client.force_login(users[role])
        response = _request(client, url)
        status, body = response.status_code, _body(response)
        may_see = role in approvers and kind in ("approvers", "open")
        if kind == "roles":
            ok = status == 200 if role in approvers else status in (403, 404)
        elif kind == "shared":
            ok = status < 500
        elif role in approvers:
            ok = status < 500
        elif object_route:
            ok = status in (403, 404)
        else:
            ok = status in (200, 302, 403)
        if not ok or (HIDDEN_NAME in body and not may_see):
            wrong[role] = (status, HIDDEN_NAME in body)
    assert wrong == {}, f"{name} {url}: {wrong}"


# body fields that name an object → key of the hidden object in `world` (a list field gets a one-item list)
BODY_IDS: dict[str, str] = {
    "customer_id": "customer",
    "vehicle_id": "vehicle",
    "task_id": "task",
    "complaint_id": "complaint",
    "customer_ids": "customer",
    "task_ids": "task",
}
# operations whose body may name a customer the caller cannot see, by design: asking for access to it
HIDDEN_IDS_ALLOWED = {("/api/v1/access-requests", "post")}


def _example(schema: dict[str, Any], components: dict[str, Any], ids: dict[str, Any] | None = None) -> Any:
    """A minimal value that passes the schema's types (the request must reach the visibility check). With
    `ids` (field name → value), every field that names an object is filled with the hidden one's id."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].split("/")[-1]], components, ids)
    if "anyOf" in schema:
        return _example(schema["anyOf"][0], components, ids)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        ids = ids or {}
        body = {k: _example(props[k], components) for k in schema.get("required", [])}
        body.update({k: ids[k] for k in props if k in ids})
        return body
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return dt.date.today().isoformat()
    if schema.get("enum"):
        return schema["enum"][0]
    return "x"


def _rows_of(world: dict[str, Any]) -> int:
    """How many rows anywhere point at the hidden customer: a write that names it must not add one."""
    from django.apps import apps

    total = 0
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "related_model", None) is Customer and field.concrete and field.many_to_one:
                total += model._default_manager.filter(**{field.name: world["customer"]}).count()
    return total


@pytest.mark.parametrize("operation", [f"{m.upper()} {p}" for p, m, _ in _api_operations()])
def test_api_operation_as_every_role(operation: str, world: dict[str, Any], api: Callable[..., Any]) -> None:
    method, path = operation.split(" ", 1)
    method = method.lower()
    if (path, method) in API_PUBLIC:
        return
    op = next(o for p, m, o in _api_operations() if p == path and m == method)
    components = ninja_api.get_openapi_schema()["components"]["schemas"]
    body = None
    content = op.get("requestBody", {}).get("content", {})
    ids = {k: [world[v]] if k.endswith("_ids") else world[v] for k, v in BODY_IDS.items()}
    if "application/json" in content:
        body = _example(content["application/json"]["schema"], components, ids)
    names_hidden = isinstance(body, dict) and any(k in BODY_IDS for k in body)
    prefix = path[: path.index("}") + 1] if "{" in path else ""
    url = re.sub(r"\{[a-z_]+\}", str(world[API_OBJECTS[prefix]]) if prefix else "", path)
    approvers = API_APPROVERS.get(prefix, set())
    if (path, method) in HIDDEN_IDS_ALLOWED:
        approvers = ACCESS_APPROVERS  # they see the customers named in the access queue anyway
    shared = prefix in API_SHARED
    wrong = {}
    before = _rows_of(world)
    for role in ROLES:
        response = api(role, method, url.removeprefix("/api/v1"), body)
        status, text = response.status_code, _body(response)
        if role in approvers:
            ok, may_see = status < 500, True
        elif prefix and not shared:
            ok, may_see = status in (403, 404), False
        elif names_hidden and (path, method) not in HIDDEN_IDS_ALLOWED:
            # a body naming a hidden object is refused, or (a batch over a selection) skips it
            ok, may_see = 400 <= status < 500 or (status < 300 and _rows_of(world) == before), False
        else:
            ok, may_see = status < 500, False
        if not ok or (HIDDEN_NAME in text and not may_see):
            wrong[role] = (status, HIDDEN_NAME in text, text[:120])
    assert wrong == {}, f"{operation}: {wrong}"
