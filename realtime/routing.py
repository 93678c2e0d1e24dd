"""Websocket routes: call signalling per room, and the staff's and interpreters' live feeds."""

from django.urls import path

from realtime import consumers

websocket_urlpatterns = [
    path("ws/calls/<str:room>/", consumers.CallConsumer.as_asgi()),
    path("ws/staff/", consumers.StaffConsumer.as_asgi()),
    path("ws/interpreters/", consumers.InterpreterConsumer.as_asgi()),
]
