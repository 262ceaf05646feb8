from django.urls import path

from . import views

urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("customers/<int:customer_id>/unmask/", views.unmask, name="unmask"),
    path("customers/<int:customer_id>/consents/", views.consent_grant, name="consent_grant"),
    path("consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("customers/<int:customer_id>/personal-data/", views.subject_export, name="subject_export"),
    path("customers/<int:customer_id>/erase/", views.subject_erase, name="subject_erase"),
]
