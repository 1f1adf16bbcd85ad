"""Rate limits that are not in `Settings` (the per-code, per-send and lockout ones are).

Kept as one mutable instance so that an operator module or a test can tune them; every
count lives in the database (`RateCounter`), so several workers enforce them as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass
class Limits:
    #: Requests of the anonymous account endpoints (sign-up, resend, verify, forgot,
    #: établissement) per client address and window.
    anonymous_per_ip: int = 120
    anonymous_window: timedelta = timedelta(minutes=10)
    #: Login attempts per client address and window.
    login_per_ip: int = 300
    login_window: timedelta = timedelta(minutes=10)
    #: Password-reset mails per account and hour (more requests are silently dropped).
    reset_mails_per_hour: int = 5
    #: Wrong secret answers accepted with one reset link before it is burnt.
    answer_tries_per_link: int = 5
    #: Counters older than this are deleted by `cesp-server jobs run`.
    counter_retention: timedelta = timedelta(days=2)


LIMITS = Limits()
