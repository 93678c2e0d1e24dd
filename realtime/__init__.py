"""Channels: websocket consumers, routing and event publishing."""
