"""The Jiesu service: HTTP API, pages and command line."""
