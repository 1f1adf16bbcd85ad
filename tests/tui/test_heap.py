"""`cesp_tui.heap`: full collections in the user's pauses, never on a key."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from cesp_tui.heap import FORCE_AFTER, IDLE_AFTER, IdleCollector
from tests.support.tui import tui_app


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeApp:
    def __init__(self) -> None:
        self.intervals: list[tuple[float, Any]] = []

    def set_interval(self, interval: float, callback: Any, *, name: str | None = None) -> None:
        self.intervals.append((interval, callback))


@pytest.fixture
def collector() -> Iterator[tuple[IdleCollector, FakeClock, FakeApp]]:
    before = gc.get_threshold()
    clock, app = FakeClock(), FakeApp()
    idle = IdleCollector(clock)
    idle.start(app)
    yield idle, clock, app
    idle.stop()
    assert gc.get_threshold() == before


def test_start_switches_automatic_full_collections_off_and_stop_restores(
    collector: tuple[IdleCollector, FakeClock, FakeApp],
) -> None:
    idle, _clock, app = collector
    third = gc.get_threshold()[2]
    assert third >= 1_000_000
    assert [cb for _i, cb in app.intervals] == [idle.tick]


def test_a_full_collection_waits_for_a_pause(
    collector: tuple[IdleCollector, FakeClock, FakeApp],
) -> None:
    idle, clock, _app = collector
    gc.collect()
    gc.collect(1)  # one younger collection since the last full one: something to do
    assert gc.get_count()[2] >= 1
    idle.key_pressed()
    clock.now += IDLE_AFTER / 2
    assert not idle.due()
    idle.tick()
    assert idle.runs == 0
    clock.now += IDLE_AFTER
    assert idle.due()
    idle.tick()
    assert idle.runs == 1 and idle.forced == 0
    assert gc.get_count()[2] == 0  # the full collection ran
    assert not idle.due()  # nothing pending any more


def test_without_a_pause_it_is_forced_after_enough_younger_collections(
    collector: tuple[IdleCollector, FakeClock, FakeApp],
) -> None:
    idle, _clock, _app = collector
    gc.collect()
    for _ in range(FORCE_AFTER):
        gc.collect(1)
    idle.key_pressed()  # the user is typing: no pause
    assert idle.due()
    idle.tick()
    assert idle.runs == 1 and idle.forced == 1
    assert gc.get_count()[2] == 0


async def test_the_app_feeds_its_keys_to_the_collector(tmp_path: Any) -> None:

    before = gc.get_threshold()
    app = tui_app(tmp_path, server_url="http://127.0.0.1:9")
    async with app.run_test(size=(80, 24)) as pilot:
        idle = app.idle_collector
        assert idle is not None
        assert gc.get_threshold()[2] >= 1_000_000
        last = idle._last_key
        await pilot.press("f1")
        await pilot.pause()
        assert idle._last_key > last
    assert gc.get_threshold() == before  # given back when the app ends
