from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.import_home, name="import_home"),
    path("imports/template.xlsx", views.import_template, name="import_template"),
    path("imports/<int:job_id>/", views.import_job, name="import_job"),
    path("imports/<int:job_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:job_id>/start/", views.import_start, name="import_start"),
    path("imports/<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:job_id>/errors.xlsx", views.import_errors, name="import_errors"),
    path("exports/customers/", views.customers_export, name="customers_export"),
    path("exports/tasks/", views.tasks_export, name="tasks_export"),
    path("exports/complaints/", views.complaints_export, name="complaints_export"),
    path("exports/care-outbox/", views.outbox_export, name="care_outbox_export"),
    path("exports/followup-samples/", views.samples_export, name="followup_samples_export"),
    path("exports/access-requests/", views.access_requests_export, name="access_requests_export"),
    path("exports/recycle-bin/", views.recycle_bin_export, name="recycle_bin_export"),
    path("forms/customer/<int:customer_id>.pdf", views.customer_form, name="customer_form_pdf"),
    path("forms/call/<int:call_id>.pdf", views.call_form, name="call_form_pdf"),
]
