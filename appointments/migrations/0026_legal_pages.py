"""Office details for the legal pages; sign languages, and German Sign Language (DGS) among the languages."""

from django.db import migrations, models


def add_sign_language(apps, schema_editor):
    """German Sign Language (Deutsche Gebärdensprache), interpreted only on video."""
    Language = apps.get_model("appointments", "Language")
    Language.objects.update_or_create(
        code="dgs", defaults={"name": "Deutsche Gebärdensprache (DGS)", "sign_language": True}
    )


def remove_sign_language(apps, schema_editor):
    apps.get_model("appointments", "Language").objects.filter(code="dgs").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0025_own_calendar_caldav"),
    ]

    operations = [
        migrations.AddField(
            model_name="language",
            name="sign_language",
            field=models.BooleanField(
                default=False,
                help_text="Interpreted only in video consultations.",
                verbose_name="sign language",
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="accessibility_enforcement_body",
            field=models.TextField(
                blank=True, verbose_name="the Land's enforcement body for accessibility (name and address)"
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="address",
            field=models.TextField(blank=True, verbose_name="postal address"),
        ),
        migrations.AddField(
            model_name="office",
            name="data_protection_officer",
            field=models.TextField(
                blank=True, verbose_name="data protection officer (name, address, e-mail)"
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="public e-mail"),
        ),
        migrations.AddField(
            model_name="office",
            name="represented_by",
            field=models.CharField(
                blank=True,
                help_text="e.g. the managing director",
                max_length=200,
                verbose_name="represented by",
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="supervisory_authority",
            field=models.TextField(
                blank=True,
                help_text="The Federal Commissioner (BfDI) for joint institutions, the Land's for municipal ones.",
                verbose_name="data protection supervisory authority (name and address)",
            ),
        ),
        migrations.RunPython(add_sign_language, remove_sign_language),
    ]
