"""AnimationModel: the animation's truth, without Qt."""

from __future__ import annotations

import pytest

from convgui.playback import AnimationModel


def _model():
    m = AnimationModel(speed=10.0)
    events = []
    m.subscribe(events.append)
    m.set_grids((4, 5), (2, 2))
    events.clear()
    return m, events


def test_new_result_shows_whole_output_but_keeps_the_window():
    m, _ = _model()
    m.step(7, now=0.0)
    assert m.active and m.filling and m.position_rc() == (1, 2)
    m.set_grids((4, 5), (2, 2))  # a kernel edit: same shapes, new values
    assert m.active, "the window stays where it is"
    assert not m.filling, "the new output is shown whole"
    assert m.position_rc() == (1, 2)
    m.step(1, now=1.0)
    assert m.filling, "stepping fills in again"


def test_new_result_while_playing_keeps_playing_and_clamps():
    m, _ = _model()
    m.play(now=0.0)
    m.tick(now=1.5)
    assert m.playing and m.playback.position == 15
    m.set_grids((2, 2), None)
    assert m.playing and m.filling, "the user pressed play: it carries on"
    assert m.position_rc() == (1, 0) and m.stage == "conv"  # row 3, col 0 clamped
    m.pause()
    m.set_grids((4, 5), None)
    assert not m.filling, "paused: the new output is shown whole"


def test_pool_stage_falls_back_when_pooling_goes():
    m, _ = _model()
    m.set_stage("pool", now=0.0)
    assert m.stage == "pool" and m.grid_shape() == (2, 2)
    m.set_grids((4, 5), None)
    assert m.stage == "conv" and not m.has_pool
    m.set_stage("pool", now=0.0)
    assert m.stage == "conv"
    with pytest.raises(ValueError, match="stage"):
        m.set_stage("dense", now=0.0)


def test_stop_hides_everything_and_clears_question():
    m, events = _model()
    m.seek_rc(2, 3, now=0.0)
    m.set_question(True)
    assert m.question
    m.stop()
    assert not m.active and not m.filling and not m.question
    assert m.playback.position == 0
    assert all(isinstance(e, frozenset) for e in events)


def test_seek_without_filling_for_clicks():
    m, _ = _model()
    m.seek_rc(3, 4, now=0.0, filling=False)
    assert m.active and not m.filling and m.position_rc() == (3, 4)
    m.seek_rc(9, 9, now=0.0)  # outside: nothing moves
    assert m.position_rc() == (3, 4)


def test_events_name_what_changed():
    m, events = _model()
    m.set_speed(20.0, now=0.0)
    assert events[-1] == frozenset({"state"})
    m.play(now=0.0)
    events.clear()
    m.tick(now=0.5)
    assert events and "position" in events[-1]
    m.pause()
    assert events[-1] == frozenset({"state"})
    m.pause()  # no change, no event
    assert events[-1] == frozenset({"state"}) and len(events) == 2


def test_tick_to_the_end_pauses_and_says_so():
    m, events = _model()
    m.play(now=0.0)
    m.tick(now=100.0)
    assert not m.playing and m.playback.at_end
    assert "state" in events[-1]


def test_a_new_grid_keeps_the_row_and_column_not_the_index():
    m, _ = _model()  # conv 4×5
    m.seek_rc(2, 3, now=0.0)
    m.set_grids((4, 9), (2, 2))  # a wider output: the same cell, not index 13 of the new grid
    assert m.position_rc() == (2, 3)
    m.set_grids((3, 2), None)  # smaller: each axis clamped
    assert m.position_rc() == (2, 1)


def test_changing_the_stage_while_playing_keeps_playing():
    m, _ = _model()
    m.play(now=0.0)
    m.tick(now=0.5)
    m.set_stage("pool", now=0.5)
    assert m.stage == "pool" and m.playing and m.playback.position == 0
    m.tick(now=0.65)
    assert m.playback.position == 1
