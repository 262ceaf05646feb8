from django.urls import path

from . import views

urlpatterns = [
    path("", views.care_tasks, name="care_tasks"),
    path("preview/", views.bulk_preview, name="care_preview"),
    path("send/", views.bulk_send, name="care_send"),
    path("outbox/", views.outbox, name="care_outbox"),
    path("outbox/<int:message_id>/retry/", views.message_retry, name="care_message_retry"),
    path("events/", views.event_list, name="care_events"),
    path("events/<int:event_id>/", views.event_detail, name="care_event"),
    path("registers/", views.register, name="care_register"),
    path("customers/<int:customer_id>/contact/", views.contact_settings, name="care_contact"),
    path("calendar/", views.calendar_page, name="care_calendar"),
    path("ical/<str:token>.ics", views.ical_feed, name="care_ical"),
]
