"""Top-level URLs: the pages, the REST API with its OpenAPI schema, and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("appointments.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("konto/", include("django.contrib.auth.urls")),
    path("dolmetschen/", include("frontend.interpreter_urls")),
    path("fachkraft/", include("frontend.staff_urls")),
    path("", include("appointments.urls")),
    path("", include("realtime.urls")),
    path("", include("appointments.voice_urls")),
    path("", include("frontend.urls")),
]
