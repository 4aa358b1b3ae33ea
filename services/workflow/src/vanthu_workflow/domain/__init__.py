"""The rules of the workflow: no I/O."""
