"""Routers, one module per URL resource: the first path segment after /v1 names it."""
