"""The outbox: each outgoing message is a Notification row (compose writes, worker sends, delivery_status)."""
