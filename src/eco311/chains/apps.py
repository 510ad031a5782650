from django.apps import AppConfig


class Config(AppConfig):
    name = "eco311.chains"
    label = "chains"
    verbose_name = "Industry chains"
