from django.apps import AppConfig


class Config(AppConfig):
    name = "eco311.supervision"
    label = "supervision"
    verbose_name = "supervision"
