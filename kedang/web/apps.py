from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kedang.web"
    label = "web"
    verbose_name = "界面"
