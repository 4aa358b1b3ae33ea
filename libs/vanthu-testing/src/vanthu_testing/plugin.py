"""pytest plugin (entry point ``pytest11``): fixtures shared by every VanThu suite."""
