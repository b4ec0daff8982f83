from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "chpso_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"
