from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kedang.customers"
    label = "customers"
    verbose_name = "客户档案"
