"""The HTTP API for integrations: JSON in and out, authenticated by an admin's bearer token.

`schemas` holds the pydantic models that validate payloads; `openapi` builds the OpenAPI
document from the same models; `routes` holds the views.
"""
