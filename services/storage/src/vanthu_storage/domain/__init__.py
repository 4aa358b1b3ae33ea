"""The storage rules (no I/O): what content is accepted, upload limits and digests, retention."""
