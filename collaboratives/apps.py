from django.apps import AppConfig


class CollaborativesConfig(AppConfig):
    name = "collaboratives"
