from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Hospitals and members"

    def ready(self):
        from allauth.account.signals import user_logged_in

        from . import cache
        from .middleware import seen_at_sign_in

        cache.connect()
        user_logged_in.connect(seen_at_sign_in, dispatch_uid="members.seen_at_sign_in")
