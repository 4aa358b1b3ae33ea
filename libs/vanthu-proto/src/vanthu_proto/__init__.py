"""Generated stubs live under ``vanthu_proto.vanthu`` (``make proto``); this package holds nothing else."""
