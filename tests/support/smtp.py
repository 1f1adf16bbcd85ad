"""A real SMTP sink on 127.0.0.1 (aiosmtpd) that keeps every delivered message."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from .postgres import free_port


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 OK"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        # aiosmtpd 1.4 connects to its own port to check it started: port 0 cannot work.
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=port or free_port())

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    def find(self, to: str, subject_contains: str = "") -> list[EmailMessage]:
        with self.lock:
            return [
                m
                for m in self.messages
                if to.lower() in str(m["To"]).lower() and subject_contains in str(m["Subject"])
            ]

    def wait_for(
        self, to: str, subject_contains: str = "", timeout: float = 10.0, count: int = 1
    ) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.find(to, subject_contains)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                subjects = [(str(m["To"]), str(m["Subject"])) for m in self.messages]
                raise AssertionError(
                    f"no mail to {to!r} with {subject_contains!r} after {timeout}s; got {subjects}"
                )
            time.sleep(0.05)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()
