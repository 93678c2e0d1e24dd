"""Data protection for coordinators: find a client, export or erase their data, read the audit log."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from appointments.services.permissions import access_coordinator, access_office_client
from appointments.services.phones import masked_number
from appointments.services.privacy import (
    audit_log,
    erase_client,
    export_client_data,
    find_office_clients,
    stored_counts,
)
from appointments.services.retention import ANONYMOUS_PREFIX

AUDIT_PAGE_SIZE = 50


def _masked(phone: str) -> str:
    """Enough of the number to recognise it, not enough to ring it."""
    return masked_number(phone) if phone and not phone.startswith(ANONYMOUS_PREFIX) else "–"


@login_required
@require_http_methods(["GET", "POST"])
def privacy(request):
    """Find a client of the office. A POST, so that numbers searched for stay out of URLs and access logs."""
    coordinator = access_coordinator(request.user)
    query = request.POST.get("suche", "").strip() if request.method == "POST" else ""
    found = find_office_clients(office=coordinator.office, user=request.user, query=query)
    results = [
        {
            "client": client,
            "phone": _masked(client.phone),
            "counts": stored_counts(client, actor=request.user, office=coordinator.office),
        }
        for client in found
    ]
    return render(
        request, "frontend/staff/privacy.html", {"nav": "privacy", "query": query, "results": results}
    )


def _client_page(request, template: str, client_id: int, **context):
    coordinator = access_coordinator(request.user)
    client = access_office_client(request.user, client_id)
    return render(
        request,
        template,
        {
            "nav": "privacy",
            "client": client,
            "phone": _masked(client.phone),
            "anonymised": client.phone.startswith(ANONYMOUS_PREFIX),
            "counts": stored_counts(client, actor=request.user, office=coordinator.office),
            **context,
        },
    )


@login_required
def privacy_client(request, client_id: int):
    return _client_page(request, "frontend/staff/privacy_client.html", client_id)


@login_required
@require_POST
def privacy_export(request, client_id: int):
    coordinator = access_coordinator(request.user)
    client = access_office_client(request.user, client_id)
    data = export_client_data(client, actor=request.user, office=coordinator.office)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="client-{client.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def privacy_erase(request, client_id: int):
    if request.method == "POST":
        coordinator = access_coordinator(request.user)
        client = access_office_client(request.user, client_id)
        if request.POST.get("confirm") == "yes":
            erasure = erase_client(client, actor=request.user, office=coordinator.office)
            messages.success(
                request,
                _("The client's data was erased. Appointments cancelled: %(count)d.")
                % {"count": erasure.cancelled},
            )
            if erasure.record_kept:
                # Nothing of the person is left at this office; other offices keep their part.
                messages.info(request, _("Other offices still serve this client and keep their part."))
                return redirect("staff:privacy")
            return redirect("staff:privacy-client", client_id=client.pk)
        return _client_page(
            request,
            "frontend/staff/privacy_erase.html",
            client_id,
            error=_("Please tick the box to confirm the erasure."),
        )
    return _client_page(request, "frontend/staff/privacy_erase.html", client_id)


def _client_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@login_required
def audit(request):
    coordinator = access_coordinator(request.user)
    client_id = _client_id(request.GET.get("kunde", "").strip())
    reference = request.GET.get("code", "").strip()
    entries = audit_log(office=coordinator.office, client_id=client_id, reference=reference)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "frontend/staff/audit.html",
        {
            "nav": "privacy",
            "page": page,
            "client_id": client_id or "",
            "reference": reference,
            "filter_query": query.urlencode(),
        },
    )
