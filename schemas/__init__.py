"""The API contract: marshmallow input and output schemas, one module per domain."""
