"""The Django project package: settings, URLs and the ASGI/WSGI entry points."""
