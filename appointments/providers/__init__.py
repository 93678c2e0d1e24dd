"""Gateways to outside services (SMS), chosen by setting like Django's e-mail back ends."""
