"""Test utilities for VanThu: helpers that start real servers (nats-server, PostgreSQL, S3, SoftHSM)."""
