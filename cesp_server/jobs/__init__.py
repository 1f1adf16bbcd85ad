"""Scheduled jobs run by `cesp-server jobs run` (cron), safe on every worker at once."""
