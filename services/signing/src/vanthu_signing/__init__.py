"""Signing service: PAdES personal and agency signatures (Decree 30/2020, Appendix I) and verification."""
