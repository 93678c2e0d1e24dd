"""Top-level URLs: the pages, the REST API with its OpenAPI schema, and the admin."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

swagger_ui = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    # One login for everyone, with lockout and the second factor: the admin's own form has neither.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("appointments.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from ?script, not inline (CSP); only the page's own
    # inline <style> needs an exception.
    path("api/docs/", swagger_ui, name="swagger-ui"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("konto/", include("frontend.account_urls")),
    path("dolmetschen/", include("frontend.interpreter.urls")),
    path("fachkraft/", include("frontend.staff.urls")),
    path("", include("appointments.urls")),
    path("", include("realtime.urls")),
    path("", include("appointments.voice_urls")),
    path("", include("frontend.public.urls")),
]
