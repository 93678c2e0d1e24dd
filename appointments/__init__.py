"""The domain: offices, topics, caseworkers, availability, clients, appointments and interpreters."""
