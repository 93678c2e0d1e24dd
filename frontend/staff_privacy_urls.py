"""URLs of the staff privacy pages (included by frontend.staff_urls)."""

from django.urls import path

from frontend import staff_privacy

urlpatterns = [
    path("datenschutz/", staff_privacy.privacy, name="privacy"),
    path("datenschutz/kunde/<int:client_id>/", staff_privacy.privacy_client, name="privacy-client"),
    path("datenschutz/kunde/<int:client_id>/export/", staff_privacy.privacy_export, name="privacy-export"),
    path("datenschutz/kunde/<int:client_id>/loeschen/", staff_privacy.privacy_erase, name="privacy-erase"),
    path("protokoll/", staff_privacy.audit, name="audit"),
]
