from django.urls import path

from . import views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("check/<str:field>/", views.field_check, name="field_check"),
    path("<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:customer_id>/delete/", views.customer_delete, name="customer_delete"),
    path("<int:customer_id>/history/<int:history_id>/revert/", views.customer_revert, name="customer_revert"),
    path("vehicles/<int:vehicle_id>/delete/", views.vehicle_delete, name="vehicle_delete"),
    path("<int:customer_id>/vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("<int:customer_id>/documents/", views.document_upload, name="document_upload"),
    path("<int:customer_id>/location/", views.file_location, name="file_location"),
    path("<int:customer_id>/notes/", views.note_add, name="note_add"),
    path("vehicles/<int:vehicle_id>/edit/", views.vehicle_edit, name="vehicle_edit"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
