"""Imports every coaching policy module, so that each registers its kind."""

from coaching.policy import pairing, person, session, shared_items, snapshot

__all__ = ["pairing", "person", "session", "shared_items", "snapshot"]
