"""Masking of phone and ID numbers (R-G7): which role sees what in clear is configured per role
(RoleSetting.sees_phone / sees_id_number, defaults in accounts.roles.DEFAULT_MASKING); everyone else sees
138****1234 and 110105**********2X — in pages, API responses, exports and search results alike.
Unmasking one value is `privacy.services.unmask` (permission, reason, access log)."""

from __future__ import annotations

import re
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser

from kedang.accounts.models import User
from kedang.accounts.selectors import data_scope

from .masks import mask_id, mask_phone

Kind = Literal["phone", "id_number"]


MASKS = {"phone": mask_phone, "id_number": mask_id}


def sees(user: User | AnonymousUser | None, kind: Kind) -> bool:
    """Whether the user's role sees this kind of value in clear."""
    if user is None:
        return False
    scope = data_scope(user)
    return scope.sees_phone if kind == "phone" else scope.sees_id_number


def may_unmask(user: User | AnonymousUser | None) -> bool:
    return user is not None and data_scope(user).may_unmask


def shown(user: User | AnonymousUser | None, kind: Kind, value: str | None) -> str:
    """The value as this user may see it."""
    if not value:
        return ""
    return value if sees(user, kind) else MASKS[kind](value)


PHONE_LIKE = re.compile(r"\+?[\d\s-]{7,}")


def shown_contact(user: User | AnonymousUser | None, value: str) -> str:
    """A message's recipient (mobile, e-mail or postal address): a phone number is shown as `shown` would."""
    if value and PHONE_LIKE.fullmatch(value):
        return shown(user, "phone", value)
    return value


# the customer's fields that are masked, and as which kind
CUSTOMER_FIELDS: dict[str, Kind] = {"phone": "phone", "phone2": "phone", "id_number": "id_number"}


def change_value_shown(viewer: User | AnonymousUser | None, field_name: str, value: Any) -> str:
    """One value of a history entry or a diff (a customer's, a vehicle's or a contact's field), as the
    viewer may see it (R-G7): every value of a masked field (phone, phone2, id_number, a contact's
    phone) is masked for a role that does not see it, before and after alike. The one place history and
    diffs (history tab, 409 conflicts, change requests; pages and API) mask."""
    text = "" if value is None else str(value)
    kind = CUSTOMER_FIELDS.get(field_name)
    return shown(viewer, kind, text) if kind else text


# a typed phone (7+ digits, maybe with separators) or an ID number (15 or 18 characters, X last). A
# separator is what a person types between digit groups (space, - . / _ ( ) · , :), or how a URL query
# string spells one (+, %20 …): the access log of older versions kept filters URL-encoded.
_SEP = r"(?:[\s.\-_/()（）·•・,，:：+]|%[0-9A-Fa-f]{2})"
_ID_LIKE = re.compile(rf"(?<!\d)(?:\d{{6}}{_SEP}?\d{{8}}{_SEP}?\d{{3}}[\dXx]|\d{{15}})(?![\dXx])")
_PHONE_IN_TEXT = re.compile(
    rf"(?<![\d*])(?:1[3-9]\d{_SEP}{{0,2}}\d{{4}}{_SEP}{{0,2}}\d{{4}}"
    rf"|0\d{{2,3}}{_SEP}{{0,2}}\d{{3,4}}{_SEP}{{0,2}}\d{{4}}|\d{{7,}})(?![\d*])"
)
_SEP_RE = re.compile(_SEP)


def _digits(run: str) -> str:
    return _SEP_RE.sub("", run)


def mask_text(text: str) -> str:
    """Free text with every ID-number-like and phone-like run masked whoever reads it: for what is
    stored where many read it (filters in the export and access logs, search terms)."""
    if not text:
        return text
    text = _ID_LIKE.sub(lambda m: mask_id(_digits(m.group(0))), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(_digits(m.group(0))), text)


def mask_terms(terms: str) -> str:
    """A search term as it may be logged: mask_text's, and a number typed with separators anywhere
    ("1 3 8 1 2 …", which search reads as the whole number) masked as that number."""
    terms = terms.strip()
    compact = _digits(terms)
    if len(compact) >= 7 and re.fullmatch(r"\+?\d+[Xx]?", compact):
        return mask_text(compact)
    return mask_text(terms)
