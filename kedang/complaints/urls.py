from django.urls import path

from . import views

urlpatterns = [
    path("", views.complaint_list, name="complaint_list"),
    path("new/", views.complaint_new, name="complaint_create"),
    path("pick/", views.customer_pick, name="complaint_customer_pick"),
    path("vehicles/", views.vehicle_options, name="complaint_vehicle_options"),
    path("analysis/", views.analysis, name="complaint_analysis"),
    path("analysis/export/", views.analysis_export, name="complaint_analysis_export"),
    path("<int:complaint_id>/", views.complaint_detail, name="complaint_detail"),
    path("<int:complaint_id>/act/", views.complaint_act, name="complaint_act"),
    path("<int:complaint_id>/compensations/", views.compensation_add, name="compensation_add"),
    path("<int:complaint_id>/print/", views.complaint_print, name="complaint_print"),
    path(
        "compensations/<int:compensation_id>/decide/", views.compensation_decision, name="compensation_decide"
    ),
]
