"""Finding a booking without its link: booking code and mobile number, then an SMS code."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation

from appointments.exceptions import ApplicationError
from appointments.services.finding import confirm_finding, start_finding
from frontend.public.booking import take_code_limits
from frontend.public.forms import CodeForm, FindBookingForm
from frontend.public.manage import MANAGING
from frontend.steps import posted

FINDING = "finding"


def find_booking(request: HttpRequest) -> HttpResponse:
    """Without the link: booking code and mobile number; an SMS code goes out only if both match.

    The next page, the limits and the time taken are the same either way (services.finding),
    so the form tells nobody whether a booking exists.
    """
    form = FindBookingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        try:
            take_code_limits(request)
            verification_id = start_finding(
                reference=reference, phone=form.cleaned_data["phone"], language=translation.get_language()
            )
        except ApplicationError as exc:
            form.add_error("phone", exc.message)
            return render(request, "frontend/find.html", {"form": form})
        previous = request.session.get(FINDING)
        if verification_id is None and isinstance(previous, dict) and previous.get("reference") == reference:
            verification_id = previous.get(
                "verification_id"
            )  # asked again too soon: the code sent stays good
        request.session[FINDING] = {"reference": reference, "verification_id": verification_id}
        return redirect("frontend:find-code")
    return render(request, "frontend/find.html", {"form": form})


def find_code(request: HttpRequest) -> HttpResponse:
    found = request.session.get(FINDING)
    if not isinstance(found, dict):
        return redirect("frontend:find")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            confirm_finding(
                reference=found.get("reference", ""),
                verification_id=found.get("verification_id"),
                code=form.cleaned_data["code"],
            )
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(FINDING)
            request.session[MANAGING] = found["reference"]
            return redirect("frontend:found-manage")
    return render(request, "frontend/find_code.html", {"form": form})
