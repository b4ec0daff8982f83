from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from members.models import Hospital

        from .forms import forget_hospital_choices

        # The PSO's hospital filter, kept per process, shows a saved hospital at once here.
        post_save.connect(forget_hospital_choices, sender=Hospital,
                          dispatch_uid="cases.hospital_choices.save")
        post_delete.connect(forget_hospital_choices, sender=Hospital,
                            dispatch_uid="cases.hospital_choices.delete")
