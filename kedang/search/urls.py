from django.urls import path

from . import views

urlpatterns = [
    path("", views.results, name="search"),
    path("suggest/", views.suggest, name="search_suggest"),
]
