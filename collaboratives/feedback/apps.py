from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "collaboratives.feedback"
    label = "feedback"
    verbose_name = "Collaborative measurement and feedback"
    default_auto_field = "django.db.models.BigAutoField"
