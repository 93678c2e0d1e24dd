"""Server-rendered pages for clients, staff and interpreters."""
