"""URLs of the staff booking pages (included by frontend.staff_urls)."""

urlpatterns = []
