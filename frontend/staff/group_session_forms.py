"""The forms a coordinator fills in to schedule a group session and to assign its interpreters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from appointments.models import Caseworker, Interpreter, Language, Mode, Topic
from appointments.services.group_calls import group_modes
from appointments.services.group_sessions import MOST_PLACES
from frontend.fields import StepForm


class GroupSessionForm(StepForm):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(), empty_label=None)
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    mode = forms.ChoiceField(label=_("How"), choices=(), initial=Mode.IN_PERSON, widget=forms.RadioSelect)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=MOST_PLACES, initial=12)
    hosts = forms.ModelMultipleChoiceField(
        label=_("Hosts"), queryset=Caseworker.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages"),
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        # Video only where the group call server (Janus) runs; without it the choice is not offered.
        self.fields["mode"].choices = [(mode, Mode(mode).label) for mode in group_modes()]
        self.fields["topic"].queryset = Topic.objects.filter(office=office, group=True, active=True)
        self.fields["hosts"].queryset = Caseworker.objects.filter(office=office, active=True).order_by(
            "display_name"
        )


class GroupInterpreterForm(forms.Form):
    """One of the session's languages, and (to assign one) the interpreter chosen for it."""

    language = forms.ModelChoiceField(queryset=Language.objects.all(), to_field_name="code")
    interpreter = forms.ModelChoiceField(queryset=Interpreter.objects.all(), required=False)
