"""Trainer-authored manager playbooks: writing, publishing, reading."""
