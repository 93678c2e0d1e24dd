"""The coordinator's figures page with server-drawn SVG charts, and the same figures as CSV."""

import csv
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from appointments.services.figures import OfficeFigures, Share, office_figures
from appointments.services.permissions import access_coordinator
from frontend.staff.forms import PeriodForm

# Chart geometry in SVG user units; the SVG scales to the page's width.
DAY_CHART_WIDTH = 960
DAY_CHART_HEIGHT = 220
DAY_CHART_LEFT = 40  # room for the y-axis labels
DAY_CHART_BOTTOM = 24  # room for the date labels
DAY_CHART_LABELS = 8  # about this many dates under the columns
BAR_ROW = 32
BAR_LABEL = 130
BAR_WIDTH = 260
# What a day's column is stacked of, bottom up, with its CSS class.
SEGMENTS = [
    ("completed", "completed"),
    ("no_show", "no-show"),
    ("booked", "booked"),
    ("cancelled", "cancelled"),
]
# Cells a spreadsheet would run as a formula; OWASP adds tab and carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _figures(request) -> tuple[PeriodForm, OfficeFigures | None]:
    """The form for the period and its figures, or None when the input is wrong; 404 for all but
    an office's coordinators."""
    office = access_coordinator(request.user).office
    form = PeriodForm(request.GET, today=office.today())
    if not form.is_valid():
        return form, None
    first, last = form.cleaned_data["period"]
    return form, office_figures(office=office, first=first, last=last)


def _day_chart(figures: OfficeFigures) -> dict:
    """Stacked columns per day: held, no-show, still booked, cancelled, with a few dates below."""
    plot_width = DAY_CHART_WIDTH - DAY_CHART_LEFT
    plot_height = DAY_CHART_HEIGHT - DAY_CHART_BOTTOM
    step = plot_width / len(figures.days)
    highest = max((day.counts.total for day in figures.days), default=0) or 1
    every = max(1, -(-len(figures.days) // DAY_CHART_LABELS))
    columns = []
    for index, day in enumerate(figures.days):
        top = plot_height
        segments = []
        for status, css in SEGMENTS:
            count = getattr(day.counts, status)
            if count:
                height = plot_height * count / highest
                top -= height
                segments.append({"css": css, "y": round(top, 2), "height": round(height, 2), "count": count})
        columns.append(
            {
                "day": day.day,
                "total": day.counts.total,
                "x": round(DAY_CHART_LEFT + index * step + step * 0.1, 2),
                "width": round(step * 0.8, 2),
                "centre": round(DAY_CHART_LEFT + index * step + step / 2, 2),
                "segments": segments,
                "label": index % every == 0,
            }
        )
    return {
        "width": DAY_CHART_WIDTH,
        "height": DAY_CHART_HEIGHT,
        "left": DAY_CHART_LEFT,
        "base": plot_height,
        "highest": highest,
        "label_y": DAY_CHART_HEIGHT - 6,
        "columns": columns,
    }


def _bar_chart(shares: list[Share]) -> dict:
    """Horizontal bars, one row per mode or language, as long as its share of all appointments."""
    return {
        "width": BAR_LABEL + BAR_WIDTH + 110,
        "height": max(len(shares), 1) * BAR_ROW,
        "label_x": BAR_LABEL - 8,
        "bars": [
            {
                "share": share,
                "y": index * BAR_ROW + 4,
                "text_y": index * BAR_ROW + BAR_ROW / 2,
                "x": BAR_LABEL,
                "width": round(BAR_WIDTH * share.percent / 100, 2),
                "value_x": round(BAR_LABEL + BAR_WIDTH * share.percent / 100 + 8, 2),
            }
            for index, share in enumerate(shares)
        ],
    }


@login_required
def figures(request):
    form, figures = _figures(request)
    context = {"nav": "figures", "form": form, "figures": figures}
    if figures is not None:
        query = urlencode({"von": figures.first.isoformat(), "bis": figures.last.isoformat()})
        context |= {
            "csv_url": f"{reverse('staff:figures-csv')}?{query}",
            "day_chart": _day_chart(figures),
            "mode_chart": _bar_chart(figures.modes),
            "language_chart": _bar_chart(figures.languages),
        }
    return render(request, "frontend/staff/figures.html", context, status=400 if figures is None else 200)


def _cell(value) -> str:
    """A cell as text; one a spreadsheet would take for a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float):
        return formats.number_format(value, 1)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_rows(figures: OfficeFigures) -> list[list]:
    """The day table first, then the totals, shares and interpreter figures, each block with its header."""
    totals = figures.totals
    rows: list[list] = [
        [_("Date"), _("Held"), _("No-show"), _("Cancelled"), _("Still booked"), _("Total")],
        *(
            [
                d.day.isoformat(),
                d.counts.completed,
                d.counts.no_show,
                d.counts.cancelled,
                d.counts.booked,
                d.counts.total,
            ]
            for d in figures.days
        ),
        [_("Total"), totals.completed, totals.no_show, totals.cancelled, totals.booked, totals.total],
        [],
        [_("Office"), figures.office.name],
        [_("From"), figures.first.isoformat()],
        [_("Until"), figures.last.isoformat()],
        [_("No-show rate (%)"), figures.no_show_percent],
        [_("Interpreter requests"), figures.interpreter_requests],
        [_("Filled"), figures.interpreter_filled],
        [_("Fill rate (%)"), figures.fill_percent],
        [_("Telephone interpreting"), figures.interpreter_fallbacks],
        [],
        [_("Mode"), _("Appointments"), _("Share (%)"), _("With interpreter")],
        *([s.label, s.count, s.percent, s.with_interpreter] for s in figures.modes),
        [],
        [_("Language"), _("Appointments"), _("Share (%)"), _("With interpreter")],
        *([s.label, s.count, s.percent, s.with_interpreter] for s in figures.languages),
        [],
        [_("Interpreting"), _("Requests"), _("Filled"), _("Fill rate (%)"), _("Telephone interpreting")],
        *([r.label, r.requests, r.filled, r.fill_percent, r.fallbacks] for r in figures.interpreting),
    ]
    return [[_cell(value) for value in row] for row in rows]


@login_required
def figures_csv(request):
    """The figures as a CSV file for Excel: UTF-8 with BOM, `;` where the decimal point is a comma."""
    form, figures = _figures(request)
    if figures is None:
        errors = [str(error) for errors in form.errors.values() for error in errors]
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    filename = f"zahlen-{figures.office.slug}-{figures.first.isoformat()}-{figures.last.isoformat()}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    response.write("\ufeff")
    delimiter = ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","
    csv.writer(response, delimiter=delimiter).writerows(_csv_rows(figures))
    return response
