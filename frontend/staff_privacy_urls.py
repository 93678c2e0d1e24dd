"""URLs of the staff privacy pages (included by frontend.staff_urls)."""

urlpatterns = []
