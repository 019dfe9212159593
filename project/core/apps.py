from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Shared building blocks"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from . import checks  # noqa: F401  (registers them)
        from .throttling import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="core.login_throttle")
