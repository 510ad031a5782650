from django.apps import AppConfig


class Config(AppConfig):
    name = "eco311.ranking"
    label = "ranking"
