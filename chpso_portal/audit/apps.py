from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "chpso_portal.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from . import receivers  # noqa: F401
