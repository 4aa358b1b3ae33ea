"""REST routes, one module per domain."""
