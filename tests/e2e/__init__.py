"""Real-browser tests of the client's pages (Playwright driving Debian's Chromium)."""
