"""App configuration for the server-rendered pages; the languages Django does not know."""

from django.apps import AppConfig
from django.conf import settings
from django.conf.locale import LANG_INFO


class FrontendConfig(AppConfig):
    name = "frontend"

    def ready(self):
        # get_language_info (the language picker, <html dir>) reads this table; Django has no setting for it.
        LANG_INFO.update(settings.EXTRA_LANG_INFO)
