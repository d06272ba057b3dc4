"""Lookups in the National Population Database (domain.md §4, §7.2); see population/client.py."""
