"""Pipeline snapshots: CRM exports in, what changed, questions for the conversation.

Pure parts (formats, diff, signals, charts) take and return plain records and never touch
the database; `coaching.snapshots` stores and reveals them.
"""
