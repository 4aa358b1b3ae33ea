"""Interchange service: edXML packages between agencies, installations and the national axis."""
