from django.urls import path

from . import views

urlpatterns = [
    path("tasks/<int:task_id>/call/", views.call_record, name="call_record"),
    path("reports/", views.reports, name="followup_reports"),
    path("reports/export/", views.reports_export, name="followup_reports_export"),
    path("samples/", views.samples, name="followup_samples"),
    path("handover/", views.handover, name="handover"),
]
