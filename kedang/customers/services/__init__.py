"""Business operations on the archive (R-A1..R-A8). Each checks permission, validates, writes
history and runs in one transaction. Views, the API and commands call these; nothing else writes."""

from .common import CUSTOMER_FIELDS, VEHICLE_FIELDS, archive_no_next
from .customers import (
    changes_since,
    contact_add,
    contact_remove,
    customer_create,
    customer_delete,
    customer_revert,
    customer_update,
)
from .documents import (
    archive_file_set_location,
    attachment_store,
    attachment_verify,
    document_add,
    note_add,
)
from .vehicles import vehicle_create, vehicle_delete, vehicle_update

__all__ = [
    "CUSTOMER_FIELDS",
    "VEHICLE_FIELDS",
    "archive_file_set_location",
    "archive_no_next",
    "attachment_store",
    "attachment_verify",
    "changes_since",
    "contact_add",
    "contact_remove",
    "customer_create",
    "customer_delete",
    "customer_revert",
    "customer_update",
    "document_add",
    "note_add",
    "vehicle_create",
    "vehicle_delete",
    "vehicle_update",
]
