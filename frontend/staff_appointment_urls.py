"""URLs of the staff appointment pages (included by frontend.staff_urls)."""

urlpatterns = []
