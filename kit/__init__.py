"""Helpers behind tasks.py: settings, read-only Docker queries, and the deliberate break."""
