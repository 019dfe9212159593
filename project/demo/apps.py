from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The top floor: demo data (seed, reset), the first-start `bootstrap` command, test factories."""

    name = "demo"
    verbose_name = "Demo data"
