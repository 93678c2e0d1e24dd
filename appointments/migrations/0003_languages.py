"""The languages offered from the start, each named in its own script."""

from django.db import migrations

LANGUAGES = [
    ("de", "Deutsch"),
    ("en", "English"),
    ("tr", "Türkçe"),
    ("ar", "العربية"),
    ("uk", "Українська"),
    ("ru", "Русский"),
    ("fa", "فارسی"),
    ("prs", "دری"),
    ("ps", "پښتو"),
    ("ku", "Kurdî"),
    ("ti", "ትግርኛ"),
    ("so", "Soomaali"),
    ("pl", "Polski"),
    ("ro", "Română"),
    ("bg", "Български"),
    ("sq", "Shqip"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("vi", "Tiếng Việt"),
]


def add_languages(apps, schema_editor):
    Language = apps.get_model("appointments", "Language")
    for code, name in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("appointments", "0002_no_double_booking")]

    operations = [migrations.RunPython(add_languages, migrations.RunPython.noop)]
