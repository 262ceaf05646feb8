"""Text filtering of customers.

This is the simple version: normalised key columns (exact/prefix/contains) plus name and address
fragments. The full search (pinyin, trigram indexes, ranking, R-S1) replaces the body of
`filter_customers_by_text` without changing its signature.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from kedang.customers.models import Customer
from kedang.customers.validators import normalize_plate, normalize_vin


def filter_customers_by_text(qs: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Customers in qs matching text by name, archive number, phone, plate, VIN, ID number or address."""
    text = text.strip()
    cond = Q(name__icontains=text) | Q(archive_no__iexact=text) | Q(address__icontains=text)
    digits = re.sub(r"\D", "", text)
    if digits and len(digits) >= 4 and len(digits) >= len(re.sub(r"[\s\-()+]", "", text)):
        cond |= Q(phone_norm__contains=digits) | Q(phone2_norm__contains=digits)
    key = normalize_vin(text)
    if len(key) >= 6:
        cond |= Q(vehicles__vin__endswith=key, vehicles__deleted_at__isnull=True)
        cond |= Q(id_number__endswith=key)
    plate = normalize_plate(text)
    if len(plate) >= 3:
        cond |= Q(vehicles__plate__contains=plate, vehicles__deleted_at__isnull=True)
    ids = qs.filter(cond).values("id")
    return qs.filter(id__in=ids)
