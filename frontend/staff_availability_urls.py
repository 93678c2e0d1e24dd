"""URLs of the staff availability pages (included by frontend.staff_urls)."""

urlpatterns = []
