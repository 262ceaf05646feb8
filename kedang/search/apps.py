from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kedang.search"
    label = "search"
    verbose_name = "检索"
