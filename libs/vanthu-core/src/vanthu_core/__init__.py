"""Shared foundation of the VanThu services. Importing it starts nothing and reads no network."""
