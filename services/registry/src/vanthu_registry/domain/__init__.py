"""Registry rules: no I/O here."""
