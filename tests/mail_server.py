"""A real SMTP server on localhost per test (aiosmtpd, outreach.dev.mailserver), with hooks a
test can hold or fail a stage of the conversation with."""

from __future__ import annotations

import asyncio
import threading

import pytest

from outreach.dev.mailserver import MailHandler, start_mail_server

EMAIL_FROM = "care@example.com"


class TestMailHandler(MailHandler):
    """The demo's handler, plus: refuse the next RCPTs with a code, hold RCPT (before anything
    is stored) or the reply to DATA (after the message is stored) until released (a test kills
    the sender meanwhile), and an event set after each message."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        self.refuse_rcpt: list[str] = []  #: replies for the next RCPTs, e.g. "451 4.3.0 busy"
        self.hold_rcpt = self.hold_data = False
        self.entered = threading.Event()  #: a held stage was reached
        self.release = threading.Event()
        self.stored = threading.Event()
        self.rcpts = 0

    async def _held(self) -> None:
        self.entered.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Refuse or hold as told, else accept."""
        self.rcpts += 1
        if self.refuse_rcpt:
            return self.refuse_rcpt.pop(0)
        if self.hold_rcpt:
            await self._held()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Store, then (as told) hold the 250: the server has it, the sender does not know."""
        answer = await super().handle_DATA(server, session, envelope)
        self.stored.set()
        if self.hold_data:
            await self._held()
        return answer

    def count_to(self, address: str) -> int:
        """How many messages were received for this recipient."""
        return len(self.to(address))


@pytest.fixture
def smtp_server():
    """A running SMTP server for one test: (handler, the app's environment for it)."""
    controller, handler = start_mail_server(TestMailHandler())
    env = {
        "SMTP_URL": f"smtp://{controller.hostname}:{controller.port}",
        "OUTREACH_EMAIL_FROM": EMAIL_FROM,
    }
    yield handler, env
    handler.release.set()
    controller.stop()
