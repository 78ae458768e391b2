"""Catalogue domain of the service: read-only API and pages over the active responsibility catalogue."""
