"""Importing customers, vehicles and service events from spreadsheets (R-I1), exports (R-I2), forms (R-I3).

`import_job_create` looks at a file (what it really is, its header row, a guessed column mapping, how
many rows); `import_job_set_mapping` corrects the mapping; `import_job_run` imports it (or dry-runs it)
batch by batch.

Each batch is one transaction: its rows, the job's counters and its rejected rows commit together. New
customers and vehicles of a batch are validated with the customers services' own cleaning functions and
written in bulk (`bulk`): archive numbers, history, timeline and search index for the whole batch at
once. Rows that change an existing customer, record a service event or touch a filed archive go
through the customers services one by one (`row_import`), each in a savepoint of its own, so a bad row
is rolled back alone and reported with its row number, column and reason. A job killed mid-way resumes
after its last committed batch; rows already imported match their natural keys (ID number, USCC, VIN,
plate, phone + name) and are not created twice. The uploaded file is deleted when the import is over
(`import_upload_discard`); the daily job sweeps what is left after KEDANG_IMPORT_FILE_DAYS days.
"""

from .exports import call_form_pdf, customer_form_pdf, export_customers
from .exports_complaints import export_complaints
from .exports_governance import export_access_requests, export_recycle_bin
from .exports_outbox import export_outbox
from .exports_samples import export_samples
from .exports_tasks import export_tasks
from .jobs import (
    import_job_create,
    import_job_run,
    import_job_set_mapping,
    import_job_start,
    import_job_step,
    import_upload_store,
    resumable_job,
)
from .report import error_workbook, rejected_list, summary
from .retention import import_rejections_erase, import_upload_discard, import_uploads_sweep
from .rows import BATCH_SIZE

__all__ = [
    "BATCH_SIZE",
    "call_form_pdf",
    "customer_form_pdf",
    "error_workbook",
    "export_access_requests",
    "export_complaints",
    "export_customers",
    "export_outbox",
    "export_recycle_bin",
    "export_samples",
    "export_tasks",
    "import_job_create",
    "import_job_run",
    "import_job_set_mapping",
    "import_job_start",
    "import_job_step",
    "import_rejections_erase",
    "import_upload_discard",
    "import_upload_store",
    "import_uploads_sweep",
    "rejected_list",
    "resumable_job",
    "summary",
]
