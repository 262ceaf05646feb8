from django.urls import path

from . import views

urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("customers/<int:customer_id>/", views.customer_tab, name="customer_followups"),
    path("customers/<int:customer_id>/events/", views.event_create, name="event_create"),
]
