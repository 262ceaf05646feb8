from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="governance"),
    path("access/", views.access_request_create, name="access_request_create"),
    path("access/<int:request_id>/decide/", views.access_request_decide, name="access_request_decide"),
    path("access/<int:request_id>/cancel/", views.access_request_cancel, name="access_request_cancel"),
    path("changes/<int:request_id>/decide/", views.change_decide, name="change_decide"),
    path("filing/<int:customer_id>/submit/", views.filing_submit, name="filing_submit"),
    path("filing/<int:customer_id>/approve/", views.filing_approve, name="filing_approve"),
    path("paper/", views.paper, name="paper"),
    path("paper/boxes/", views.box_create, name="box_create"),
    path("paper/boxes/<int:box_id>/", views.paper_box, name="paper_box"),
    path("paper/boxes/<int:box_id>/borrow/", views.loan_request, name="loan_request"),
    path("paper/loans/<int:loan_id>/decide/", views.loan_decide, name="loan_decide"),
    path("paper/loans/<int:loan_id>/return/", views.loan_return, name="loan_return"),
    path("volumes/<int:volume_id>/catalogue.pdf", views.volume_catalogue, name="volume_catalogue"),
    path("recycle-bin/<int:entry_id>/restore/", views.recycle_bin_restore, name="recycle_bin_restore"),
]
