"""The admin's boxes for an office's texts in other languages, kept in the model's `translations`."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from appointments.services.content import TRANSLATED, translation_languages


def _box(field: str, code: str) -> str:
    return f"{field}__{code.replace('-', '_')}"


class TranslationsForm(forms.ModelForm):
    """Shows `translations` as one box per language and text; an empty box means: German is shown."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, _name in translation_languages():
            for field in self._translated:
                self.initial.setdefault(
                    _box(field, code), self.instance.translations.get(code, {}).get(field, "")
                )

    def clean(self):
        data = super().clean()
        translations = {}
        for code, _name in translation_languages():
            texts = {field: data.get(_box(field, code), "").strip() for field in self._translated}
            if texts := {field: text for field, text in texts.items() if text}:
                translations[code] = texts
        self.instance.translations = translations
        return data


def translations_form(model: type[models.Model]) -> type[TranslationsForm]:
    """A form for the model with a box per language for each of its translated texts."""
    translated = TRANSLATED[model._meta.model_name]
    boxes = {}
    for code, name in translation_languages():
        for field in translated:
            model_field = model._meta.get_field(field)
            widget = forms.Textarea(attrs={"rows": 3}) if isinstance(model_field, models.TextField) else None
            boxes[_box(field, code)] = forms.CharField(
                label=f"{model_field.verbose_name} ({name})", required=False, widget=widget
            )
    return type(
        f"{model.__name__}TranslationsForm", (TranslationsForm,), {"_translated": translated, **boxes}
    )


class TranslatedTextsAdmin:
    """An admin whose translated texts are edited in a folded section "Translations", language by language."""

    exclude = ("translations",)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = translations_form(self.model)
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        boxes = [
            _box(field, code)
            for code, _name in translation_languages()
            for field in TRANSLATED[self.model._meta.model_name]
        ]
        fieldsets = [
            (title, {**options, "fields": [f for f in options["fields"] if f not in boxes]})
            for title, options in super().get_fieldsets(request, obj)
        ]
        return [*fieldsets, (_("Translations"), {"fields": boxes, "classes": ["collapse"]})]
