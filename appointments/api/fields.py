"""Serializer fields of the API, with what drf-spectacular needs to document them."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from rest_framework import serializers


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose set of choices is one named component of the schema (`Mode`, …).

    drf-spectacular names choice sets after the fields that use them, so `mode`, `modes`
    and two different `status` fields would each get a name of their own, with warnings.
    """

    def __init__(self, *, schema_name: str, **kwargs) -> None:
        self.schema_name = schema_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        choices = build_choice_field(self.target)
        component = ResolvedComponent(
            name=self.target.schema_name,
            type=ResolvedComponent.SCHEMA,
            object=self.target.schema_name,
            schema={key: choices[key] for key in ("type", "enum", "description") if key in choices},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class SlugLookupField(serializers.SlugRelatedField):
    """An object by its slug or code; text PostgreSQL cannot store (NUL) is invalid, not a 500."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)
