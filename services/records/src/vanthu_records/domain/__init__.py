"""The rules of records: the file plan's outline and numbering, the file's state machine, codes and deadlines.
No I/O."""
