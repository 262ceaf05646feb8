"""The Django admin shows customers' personal data as the viewer's role may see it (R-G7), and logs each
look at a record (R-G6). The `admin` role configures the system: it sees 138****5678, 110105********002X.

Use `MaskedAdminMixin` before the ModelAdmin base and name the fields:

    @admin.register(Message)
    class MessageAdmin(MaskedAdminMixin, admin.ModelAdmin):
        masked_fields = {"recipient": "contact", "body": "text"}
        customer_field = "customer"   # how a row reaches its customer ("" when it is the customer)

Inlines take the mixin too (`class TransitionInline(MaskedAdminMixin, admin.TabularInline)`).
A masked field is replaced, for a viewer who does not see it in clear, by a read-only display of the
masked value — in the change form, the list, the search fields and simple-history's views (the form then
never holds the clear value). Kinds: phone, id_number (masked as shown() would), contact (a phone among
e-mails and addresses, shown_contact), text (free text: mask_text masks number-like runs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst

from kedang.accounts.models import User
from kedang.archive import masking

from .access_log import log_access
from .middleware import current_request
from .models import AccessAction

SUFFIX = "_shown"


def _viewer() -> Any:
    request = current_request.get()
    return getattr(request, "user", None)


def _sees(user: Any, kind: str) -> bool:
    if kind in ("phone", "contact", "text"):
        return masking.sees(user, "phone") and (kind != "text" or masking.sees(user, "id_number"))
    return masking.sees(user, "id_number")


def masked_value(user: Any, kind: str, value: Any) -> str:
    """value as this viewer may see it."""
    text = "" if value is None else str(value)
    if not text or _sees(user, kind):
        return text
    if kind == "contact":
        return masking.shown_contact(user, text)
    if kind == "text":
        return masking.mask_text(text)
    return masking.shown(user, "phone" if kind == "phone" else "id_number", text)


def _display(name: str, kind: str) -> Callable[[Any, Any], str]:
    def shown(self: Any, obj: Any) -> str:
        return masked_value(_viewer(), kind, getattr(obj, name, ""))

    shown.__name__ = name + SUFFIX
    return shown


class MaskedAdminMixin:
    masked_fields: ClassVar[dict[str, str]] = {}
    customer_field: ClassVar[str] = "customer"

    model: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, kind in cls.masked_fields.items():
            setattr(cls, name + SUFFIX, _display(name, kind))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.masked_fields:
            field = self.model._meta.get_field(name)
            getattr(type(self), name + SUFFIX).short_description = capfirst(field.verbose_name)

    def _hidden(self, request: HttpRequest) -> set[str]:
        return {n for n, kind in self.masked_fields.items() if not _sees(request.user, kind)}

    def _swap(self, request: HttpRequest, names: Sequence[Any]) -> list[Any]:
        hidden = self._hidden(request)
        return [n + SUFFIX if isinstance(n, str) and n in hidden else n for n in names]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._swap(request, super().get_fields(request, obj))  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [
            (title, {**options, "fields": self._swap(request, options.get("fields", ()))})
            for title, options in super().get_fieldsets(request, obj)  # type: ignore[misc]
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        base = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return [*self._swap(request, base), *(n + SUFFIX for n in sorted(self._hidden(request)))]

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._swap(request, super().get_list_display(request))  # type: ignore[misc]

    def get_search_fields(self, request: HttpRequest) -> Any:
        """Searching by a hidden field would tell its value, one query per digit."""
        hidden = self._hidden(request)
        return [
            f
            for f in super().get_search_fields(request)  # type: ignore[misc]
            if f.lstrip("^=@").split("__")[0] not in hidden
        ]

    def set_history_delta_changes(
        self, request: HttpRequest, records: Any, *args: Any, **kwargs: Any
    ) -> None:
        """simple-history's list of changes (old → new) with the hidden fields masked."""
        super().set_history_delta_changes(request, records, *args, **kwargs)  # type: ignore[misc]
        hidden = {
            str(capfirst(self.model._meta.get_field(n).verbose_name)): self.masked_fields[n]
            for n in self._hidden(request)
        }
        for record in records:
            for change in getattr(record, "history_delta_changes", None) or []:
                kind = hidden.get(str(change["field"]))
                if kind:
                    change["old"] = masked_value(request.user, kind, change["old"])
                    change["new"] = masked_value(request.user, kind, change["new"])

    # ------------------------------------------------------------ the access log

    def _customer_of(self, obj: Any) -> Any:
        if obj is None:
            return None
        if not self.customer_field:
            return obj
        for part in self.customer_field.split("__"):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def _log_view(self, request: HttpRequest, object_id: str | None, what: str) -> None:
        if not object_id or not isinstance(request.user, User):
            return
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is None:
            return
        label = f"管理后台 {self.model._meta.verbose_name} #{obj.pk}{what}"
        log_access(request.user, AccessAction.VIEW, customer=self._customer_of(obj), what=label)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().changeform_view(request, object_id, *args, **kwargs)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200:
            self._log_view(request, object_id, "")
        return response

    def history_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().history_view(request, object_id, *args, **kwargs)  # type: ignore[misc]
        if response.status_code == 200:
            self._log_view(request, object_id, " 历史")
        return response

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().history_form_view(request, object_id, version_id, *args, **kwargs)  # type: ignore[misc]
        if response.status_code == 200:
            self._log_view(request, object_id, f" 历史版本 {version_id}")
        return response
