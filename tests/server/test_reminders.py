"""The closing reminder: two Paris calendar days before closing, once per draft."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from cesp_server.crud.campaigns import create_campaign
from cesp_server.jobs.reminders import send_closing_reminders
from cesp_server.mail.outbox import deliver_pending
from cesp_server.models import OutboxMail, ReminderSent
from tests.support.accounts import create_cesp_account
from tests.support.dossiers import create_dossier, fill_dossier, transmit
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink, body_text

PARIS = ZoneInfo("Europe/Paris")


def _paris_utc(day: datetime, hour: int, minute: int = 0) -> datetime:
    local = datetime.combine(day.date(), time(hour, minute), tzinfo=PARIS)
    return local.astimezone(UTC).replace(tzinfo=None)


def _campaign_closing_in(server: ServerHandle, days: int) -> tuple[int, datetime]:
    """A campaign open now, closing at 23:59:59 Paris, `days` calendar days from today."""
    today = datetime.now(PARIS)
    closing = datetime.combine(today.date() + timedelta(days=days), time(23, 59, 59), tzinfo=PARIS)
    with Session(server.app.state.engine, expire_on_commit=False) as session:
        campaign = create_campaign(
            session,
            demarche="cesp",
            year=closing.year,
            label="Campagne de rappel",
            opens_at=today - timedelta(days=10),
            closes_at=closing,
        )
    assert campaign.id is not None
    return campaign.id, closing


def _reminder_rows(server: ServerHandle) -> int:
    with Session(server.app.state.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(OutboxMail)
            .where(OutboxMail.template == "closing_reminder")
        ).one()


def test_reminder_two_days_before_closing_exactly_once(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign, closing = _campaign_closing_in(server, 10)
    draft_owner = "brouillon.rappel@exemple.fr"
    done_owner = "transmis.rappel@exemple.fr"
    draft_token = create_cesp_account(server, smtp, draft_owner)
    done_token = create_cesp_account(server, smtp, done_owner)
    with server.client(draft_token) as c:
        draft = create_dossier(c, campaign)
    with server.client(done_token) as c:
        done = create_dossier(c, campaign)
        fill_dossier(c, done)
        assert transmit(c, done).status_code == 200

    engine, settings = server.app.state.engine, server.settings
    three_days_before = closing - timedelta(days=3)
    two_days_before = closing - timedelta(days=2)
    one_day_before = closing - timedelta(days=1)
    # late on the third day before: not yet
    assert send_closing_reminders(engine, settings, _paris_utc(three_days_before, 23, 30)) == 0
    # just after midnight, Paris time, two days before (still the day before in UTC)
    assert send_closing_reminders(engine, settings, _paris_utc(two_days_before, 0, 30)) == 1
    # the same day again, and any later run: nothing more
    assert send_closing_reminders(engine, settings, _paris_utc(two_days_before, 18, 0)) == 0
    assert send_closing_reminders(engine, settings, _paris_utc(one_day_before, 9, 0)) == 0
    assert _reminder_rows(server) == 1

    deliver_pending(engine, settings)
    mail = smtp.wait_for(draft_owner, "Rappel")[0]
    text = body_text(mail)
    assert draft["numero"] in str(mail["Subject"])
    assert closing.strftime("%d/%m/%Y") in str(mail["Subject"])
    assert f"{closing.strftime('%d/%m/%Y')} à 23:59" in text
    assert not smtp.find(done_owner, "Rappel")


def test_concurrent_runs_send_once(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign, _closing = _campaign_closing_in(server, 2)
    tokens = [create_cesp_account(server, smtp, f"rappel{i}@exemple.fr") for i in range(3)]
    for token in tokens:
        with server.client(token) as c:
            create_dossier(c, campaign)
    engine, settings = server.app.state.engine, server.settings
    counts: list[int] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        counts.append(send_closing_reminders(engine, settings))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 3
    assert _reminder_rows(server) == 3
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ReminderSent)).one() == 3
    assert send_closing_reminders(engine, settings) == 0
    deliver_pending(engine, settings)
    for i in range(3):
        assert len(smtp.wait_for(f"rappel{i}@exemple.fr", "Rappel")) == 1
