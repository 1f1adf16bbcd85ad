"""Reusable widgets of the client (import each from its module: startup stays fast)."""
