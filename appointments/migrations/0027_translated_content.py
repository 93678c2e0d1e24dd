"""Office and topic texts in other languages (German stays in the fields it was in); Kurmanji as kmr."""

from django.db import migrations, models

# The language list of 0003 named Kurmanji "ku"; clients and interpreters speak Kurmanji as "kmr".
NEW_LANGUAGES = [("kmr", "Kurmancî")]


def add_languages(apps, schema_editor):
    Language = apps.get_model("appointments", "Language")
    for code, name in NEW_LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0026_legal_pages'),
    ]

    operations = [
        migrations.RunPython(add_languages, migrations.RunPython.noop),
        migrations.AddField(
            model_name='office',
            name='translations',
            field=models.JSONField(blank=True, default=dict, help_text='Texts in other languages, by language code; German is the text above.', verbose_name='translations'),
        ),
        migrations.AddField(
            model_name='topic',
            name='translations',
            field=models.JSONField(blank=True, default=dict, help_text='Texts in other languages, by language code; German is the text above.', verbose_name='translations'),
        ),
    ]
