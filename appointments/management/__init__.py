"""Management commands of the appointments domain."""
