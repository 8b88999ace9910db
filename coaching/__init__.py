"""Tandem's coaching domain: people, pairings, sessions, goals, reflections, snapshots, policies.

It knows nothing of HTTP or HTML (tests/test_architecture.py keeps it that way).
"""
