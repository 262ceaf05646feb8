from django.contrib import admin
from django.urls import include, path

from kedang.api import api
from kedang.ops.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # load balancer and monitoring, no login (issue #20)
    path("", include("kedang.web.urls")),
    path("", include("kedang.accounts.urls")),
    path("customers/", include("kedang.customers.urls")),
    path("agenda/", include("kedang.agenda.urls")),
    path("followups/", include("kedang.followups.urls")),
    path("complaints/", include("kedang.complaints.urls")),
    path("search/", include("kedang.search.urls")),
    path("exchange/", include("kedang.exchange.urls")),
    path("governance/", include("kedang.governance.urls")),
    path("privacy/", include("kedang.privacy.urls")),
    path("care/", include("kedang.care.urls")),
    path("receivables/", include("kedang.receivables.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler403 = "kedang.web.views.permission_denied"  # the 403 page in the product's frame, with the reason
