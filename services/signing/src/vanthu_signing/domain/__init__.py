"""Pure rules: how signatures are presented (Decree 30/2020, Appendix I)."""
