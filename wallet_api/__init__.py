"""Sou's HTTP service (FastAPI) and its web pages."""
