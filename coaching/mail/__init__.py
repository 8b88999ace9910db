"""Mail that is never lost: an outbox table written in the caller's transaction
(outbox.py), and a sender that claims due rows with a lease and delivers them over SMTP
(sender.py). Its own Tortoise app, "mail"."""
