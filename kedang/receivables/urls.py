from django.urls import path

from . import views

urlpatterns = [
    path("", views.contract_ledger, name="contract_ledger"),
    path("aging/", views.aging_page, name="receivables_aging"),
    path("aging/export/", views.aging_export, name="receivables_aging_export"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:contract_id>/act/", views.contract_act, name="contract_act"),
    path("customers/<int:customer_id>/contracts/", views.contract_add, name="contract_add"),
    path("customers/<int:customer_id>/invoices/", views.invoice_add, name="invoice_add"),
    path("customers/<int:customer_id>/payments/", views.payment_add, name="payment_add"),
    path("payments/<int:payment_id>/reverse/", views.payment_reverse, name="payment_reverse"),
]
