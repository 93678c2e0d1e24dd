"""URLs of the staff figures pages (included by frontend.staff_urls)."""

urlpatterns = []
