"""Business rules as plain functions: availability, booking, phone verification."""
