"""Identity: who people are and what they may do in the organisation.

Users and their role rows, invitations, password resets, web sessions, sign-in throttling
and the admin audit log. Kept apart from coaching content (its own Tortoise app and
migrations), so that nothing about a person's coaching lives in the tables an admin runs.
"""
