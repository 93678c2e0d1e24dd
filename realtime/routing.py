"""Websocket routes; the call, staff and interpreter consumers register here as they land."""

websocket_urlpatterns: list = []
