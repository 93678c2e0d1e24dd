"""Template tags of the client's pages."""
