from django.apps import AppConfig


class Config(AppConfig):
    name = "eco311.evaluation"
    label = "evaluation"
    verbose_name = "evaluation"
