"""Response Structs (camelCase on the wire); also the source of the OpenAPI document."""
