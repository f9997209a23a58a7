"""Playback: the animation's state machine, driven with explicit times (no Qt, no clock)."""

from __future__ import annotations

import math

import pytest

from convgui.playback import Playback, PlayState


def playing_from_zero(total: int = 100, speed: float = 10.0) -> Playback:
    pb = Playback(total, speed=speed)
    pb.play(now=0.0)
    assert pb.playing
    return pb


def test_new_playback_is_stopped_at_the_start() -> None:
    pb = Playback(36)
    assert (pb.total, pb.position, pb.state, pb.playing) == (36, 0, PlayState.STOPPED, False)
    assert not pb.at_end
    assert pb.speed == 4.0
    assert pb.tick(100.0) is False  # not playing: time passing changes nothing
    assert pb.position == 0


def test_tick_computes_the_position_from_elapsed_time() -> None:
    pb = playing_from_zero(speed=10.0)
    assert pb.tick(0.05) is False  # half a step: still at 0
    assert pb.tick(0.35) is True
    assert pb.position == 3
    assert pb.tick(0.36) is False  # same position: no change reported
    assert pb.position == 3
    assert pb.tick(0.45) is True
    assert pb.position == 4


def test_a_late_tick_skips_frames_instead_of_queueing_them() -> None:
    pb = playing_from_zero(speed=10.0)
    pb.tick(0.35)
    assert pb.position == 3
    assert pb.tick(2.0) is True
    assert pb.position == 20  # jumped 17 positions in one tick, none queued
    assert pb.tick(2.01) is False
    assert pb.position == 20
    assert pb.tick(2.15) is True
    assert pb.position == 21  # back to one step per 0.1 s, no catching up
    assert pb.playing


def test_reaching_the_end_pauses_there() -> None:
    pb = playing_from_zero(total=10, speed=10.0)
    assert pb.tick(0.85) is True
    assert pb.position == 8
    assert pb.playing
    assert pb.tick(5.0) is True
    assert pb.position == 9
    assert pb.at_end
    assert pb.state is PlayState.PAUSED
    assert not pb.playing
    assert pb.tick(6.0) is False
    assert pb.position == 9


def test_play_at_the_end_restarts_from_the_first_position() -> None:
    pb = playing_from_zero(total=10, speed=10.0)
    pb.tick(5.0)
    assert pb.at_end
    pb.play(now=7.0)
    assert pb.playing
    assert pb.position == 0
    pb.tick(7.25)
    assert pb.position == 2  # timed from the new start, not from t = 0


def test_pause_keeps_the_position_and_play_resumes_from_it() -> None:
    pb = playing_from_zero(speed=10.0)
    pb.tick(0.5)
    pb.pause()
    assert pb.state is PlayState.PAUSED
    assert pb.position == 5
    assert pb.tick(30.0) is False
    assert pb.position == 5
    pb.play(now=40.0)
    pb.tick(40.35)
    assert pb.position == 8  # resumed from 5, timed from the resume


def test_toggle_alternates_play_and_pause() -> None:
    pb = Playback(50, speed=10.0)
    pb.toggle(now=0.0)
    assert pb.state is PlayState.PLAYING
    pb.tick(0.2)
    pb.toggle(now=0.2)
    assert pb.state is PlayState.PAUSED
    assert pb.position == 2
    pb.toggle(now=1.0)
    assert pb.state is PlayState.PLAYING
    pb.tick(1.15)
    assert pb.position == 3


def test_stop_goes_back_to_the_start() -> None:
    pb = playing_from_zero()
    pb.tick(1.0)
    pb.stop()
    assert pb.state is PlayState.STOPPED
    assert pb.position == 0
    assert pb.tick(2.0) is False
    assert pb.position == 0


@pytest.mark.parametrize("playing", [False, True])
def test_step_moves_and_pauses_and_is_clamped(playing: bool) -> None:
    pb = Playback(10, speed=10.0)
    if playing:
        pb.play(now=0.0)
    pb.step(1, now=0.0)
    assert pb.position == 1
    assert not pb.playing
    pb.step(3)
    assert pb.position == 4
    pb.step(-1)
    assert pb.position == 3
    pb.step(-10)
    assert pb.position == 0
    pb.step(100)
    assert pb.position == 9
    assert pb.tick(10.0) is False


def test_seek_is_clamped_and_playing_continues_from_there() -> None:
    pb = playing_from_zero(speed=10.0)
    pb.tick(1.0)
    assert pb.position == 10
    pb.seek(50, now=1.0)
    assert pb.position == 50
    assert pb.playing
    pb.tick(1.25)
    assert pb.position == 52
    pb.seek(-5, now=1.25)
    assert pb.position == 0
    pb.seek(1000, now=1.25)
    assert pb.position == 99


def test_seek_while_paused_stays_paused() -> None:
    pb = Playback(20)
    pb.seek(7)
    assert pb.position == 7
    assert pb.state is PlayState.STOPPED
    assert pb.tick(3.0) is False


def test_to_start_and_to_end_pause() -> None:
    pb = playing_from_zero(total=30, speed=10.0)
    pb.tick(1.0)
    pb.to_end()
    assert pb.position == 29
    assert pb.at_end
    assert pb.state is PlayState.PAUSED
    pb.play(now=2.0)  # at the end: restarts
    pb.tick(2.5)
    pb.to_start()
    assert pb.position == 0
    assert pb.state is PlayState.PAUSED
    assert pb.tick(9.0) is False


def test_set_speed_changes_the_rate_without_jumping() -> None:
    pb = playing_from_zero(total=1000, speed=10.0)
    pb.tick(1.0)
    assert pb.position == 10
    pb.set_speed(100.0, now=1.0)
    assert pb.speed == 100.0
    assert pb.position == 10  # no jump at the change
    pb.tick(1.105)
    assert pb.position == 20  # 10 more at the new speed, counted from the change
    pb.set_speed(1.0, now=1.105)
    pb.tick(1.6)
    assert pb.position == 20
    pb.tick(2.2)
    assert pb.position == 21


def test_set_total_keeps_the_position_or_clamps_it() -> None:
    pb = Playback(36)
    pb.seek(20)
    pb.set_total(50)
    assert pb.position == 20
    pb.set_total(16)
    assert pb.position == 15
    assert pb.at_end


def test_set_total_while_playing_keeps_the_timing() -> None:
    # The window calls set_total on every new result (an edit during playback): the next tick
    # must carry on from the current position, not add the whole time since play started.
    pb = playing_from_zero(total=100, speed=10.0)
    pb.tick(1.0)
    assert pb.position == 10
    pb.set_total(100)
    assert pb.position == 10
    pb.tick(1.15)
    assert pb.position == 11
    pb.set_total(80)
    pb.tick(1.25)
    assert pb.position == 12


def test_set_total_shrinking_below_the_position_while_playing_pauses_at_the_end() -> None:
    pb = playing_from_zero(total=100, speed=10.0)
    pb.tick(5.0)
    assert pb.position == 50
    pb.set_total(20)
    assert pb.position == 19
    pb.tick(5.1)
    assert pb.position == 19
    assert not pb.playing


@pytest.mark.parametrize("bad", [0, 0.0, -1, -0.5, math.nan, math.inf, -math.inf, "fast", None])
def test_invalid_speeds_raise_and_change_nothing(bad: object) -> None:
    with pytest.raises(ValueError, match="speed"):
        Playback(10, speed=bad)  # type: ignore[arg-type]
    pb = Playback(10, speed=3.0)
    with pytest.raises(ValueError, match=r"speed must be a positive number.*got"):
        pb.set_speed(bad, now=0.0)  # type: ignore[arg-type]
    assert pb.speed == 3.0


def test_the_error_quotes_the_bad_speed() -> None:
    with pytest.raises(ValueError, match="-1"):
        Playback(10).set_speed(-1, now=0.0)


def test_an_empty_playback_is_harmless() -> None:
    pb = Playback(0)
    assert pb.at_end
    pb.play(now=0.0)
    assert not pb.playing
    assert pb.state is PlayState.STOPPED
    pb.toggle(now=0.0)
    assert not pb.playing
    for act in (pb.to_end, pb.to_start, pb.pause, pb.stop, lambda: pb.step(1), lambda: pb.seek(5)):
        act()
        assert pb.position == 0
    assert pb.tick(10.0) is False
    assert Playback(-3).total == 0


def test_emptying_a_playing_playback_stops_it() -> None:
    pb = playing_from_zero(total=10, speed=10.0)
    pb.tick(0.5)
    pb.set_total(0)
    assert pb.state is PlayState.STOPPED
    assert pb.position == 0
    assert pb.tick(1.0) is False


def test_a_single_position_plays_to_its_end_at_once() -> None:
    pb = Playback(1, speed=10.0)
    pb.play(now=0.0)
    pb.tick(0.01)
    assert pb.position == 0
    assert not pb.playing
