"""Test clients as a given person."""

from django.test import Client


def signed_in(user) -> Client:
    """A browser session signed in as `user` (no password round trip)."""
    client = Client()
    client.force_login(user)
    return client
