"""Tests of the server-rendered pages (Django test client)."""
