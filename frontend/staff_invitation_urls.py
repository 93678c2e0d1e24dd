"""URLs of the staff invitation pages (included by frontend.staff_urls)."""

from django.urls import path

from frontend import staff_invitations

urlpatterns = [
    path("einladen/", staff_invitations.invite, name="invite"),
    path("einladungen/", staff_invitations.invitations, name="invitations"),
    path("einladungen/briefe/", staff_invitations.print_letters, name="invitation-letters"),
    path("einladungen/import/", staff_invitations.import_list, name="invitation-import"),
    path(
        "einladungen/<int:invitation_id>/zurueckziehen/", staff_invitations.revoke, name="invitation-revoke"
    ),
    path("einladungen/<int:invitation_id>/brief/", staff_invitations.reprint, name="invitation-reprint"),
]
