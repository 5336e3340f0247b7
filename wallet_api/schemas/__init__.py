"""Wire schemas (pydantic) of the HTTP API, one module per resource as in `wallet_api.routes`,
separate from the tables and the domain; what several resources share is in `common`."""
