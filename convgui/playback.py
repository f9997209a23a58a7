"""Playback of the sliding-window animation: a small state machine driven by elapsed time.

No Qt here: the window's timer calls :meth:`Playback.tick` with the current time, and the
position is computed from the time since play started, so slow frames skip positions instead
of queueing them.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable


class PlayState(enum.Enum):
    """Where playback is."""

    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"


class Playback:
    """Position, state and speed of the animation.

    Parameters
    ----------
    total : int
        Number of positions (output pixels) to step through.
    speed : float
        Steps per second while playing.
    """

    def __init__(self, total: int = 0, speed: float = 4.0) -> None:
        self._total = max(0, int(total))
        self._position = 0
        self._state = PlayState.STOPPED
        self._speed = self._check_speed(speed)
        self._anchor_time = 0.0
        self._anchor_pos = 0

    @staticmethod
    def _check_speed(speed: float) -> float:
        if not (isinstance(speed, (int, float)) and math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number of steps per second, got {speed!r}")
        return float(speed)

    @property
    def total(self) -> int:
        """Number of positions."""
        return self._total

    @property
    def position(self) -> int:
        """Current position, 0 to ``total - 1`` (0 when empty)."""
        return self._position

    @property
    def state(self) -> PlayState:
        """Playing, paused or stopped."""
        return self._state

    @property
    def playing(self) -> bool:
        """True while playing."""
        return self._state is PlayState.PLAYING

    @property
    def speed(self) -> float:
        """Steps per second."""
        return self._speed

    @property
    def at_end(self) -> bool:
        """True at the last position."""
        return self._total == 0 or self._position >= self._total - 1

    def _clamp(self, pos: int) -> int:
        return 0 if self._total == 0 else max(0, min(self._total - 1, int(pos)))

    def set_total(self, total: int) -> None:
        """Change the number of positions, keeping the position (clamped)."""
        self._total = max(0, int(total))
        clamped = self._clamp(self._position)
        if clamped != self._position:
            # Only a clamp moves the anchor (onto the last position, so a tick pauses there);
            # re-anchoring the position without the time would jump ahead on the next tick.
            self._position = self._anchor_pos = clamped
        if self._total == 0:
            self._state = PlayState.STOPPED

    def play(self, now: float) -> None:
        """Start or resume playing at time ``now`` (seconds); from the start if at the end."""
        if self._total == 0:
            return
        if self.at_end:
            self._position = 0
        self._state = PlayState.PLAYING
        self._anchor_time, self._anchor_pos = now, self._position

    def pause(self) -> None:
        """Stop advancing, keep the position."""
        if self._state is PlayState.PLAYING:
            self._state = PlayState.PAUSED

    def toggle(self, now: float) -> None:
        """Play if paused or stopped, pause if playing."""
        if self.playing:
            self.pause()
        else:
            self.play(now)

    def stop(self) -> None:
        """Stop and go back to the first position."""
        self._state = PlayState.STOPPED
        self._position = 0

    def seek(self, position: int, now: float | None = None) -> None:
        """Jump to ``position`` (clamped); playing continues from there."""
        self._position = self._clamp(position)
        if now is not None:
            self._anchor_time = now
        self._anchor_pos = self._position

    def step(self, n: int = 1, now: float | None = None) -> None:
        """Move ``n`` positions (negative goes back) and pause."""
        self.pause()
        self.seek(self._position + n, now)

    def to_start(self) -> None:
        """Go to the first position and pause."""
        self.pause()
        self.seek(0)

    def to_end(self) -> None:
        """Go to the last position and pause."""
        self.pause()
        self.seek(self._total - 1)

    def set_speed(self, speed: float, now: float) -> None:
        """Change steps per second without jumping."""
        self._speed = self._check_speed(speed)
        self._anchor_time, self._anchor_pos = now, self._position

    def tick(self, now: float) -> bool:
        """Advance to where the elapsed time says; return True if the position changed.

        Reaching the end pauses playback there.
        """
        if not self.playing:
            return False
        target = self._anchor_pos + int((now - self._anchor_time) * self._speed)
        if target >= self._total - 1:
            target = self._total - 1
            self._state = PlayState.PAUSED
        changed = target != self._position
        self._position = max(0, target)
        return changed


STAGES: tuple[str, ...] = ("conv", "pool")


class AnimationModel:
    """What the animation shows, held in one place that every view reads.

    The stage (convolution or pooling), the position and play state (a :class:`Playback`),
    whether the kernel window is shown (``active``), whether the output is being filled in
    (``filling``: cells after the position are covered), and the lesson's "what is in the
    padding?" question (``question``). The Qt side only ticks it with a timer and redraws on
    its events; a change of image, kernel or layer calls :meth:`set_grids`, which always shows
    the whole new output: covers come back only when the user plays or steps.

    Listeners get the set of what changed: ``"position"``, ``"state"`` (play/pause, stage,
    speed, active, filling, question) or both.
    """

    def __init__(self, speed: float = 4.0) -> None:
        self.playback = Playback(speed=speed)
        self._stage = "conv"
        self._active = False
        self._filling = False
        self._question = False
        self._grids: dict[str, tuple[int, int]] = {"conv": (0, 0), "pool": (0, 0)}
        self._listeners: list[Callable[[frozenset[str]], None]] = []

    # --- events ------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[frozenset[str]], None]) -> None:
        """Call ``callback(changed)`` after every change."""
        self._listeners.append(callback)

    def _emit(self, *what: str) -> None:
        changed = frozenset(what)
        for cb in list(self._listeners):
            cb(changed)

    # --- reading -----------------------------------------------------------------------

    @property
    def stage(self) -> str:
        """``"conv"`` or ``"pool"``."""
        return self._stage

    @property
    def active(self) -> bool:
        """True while the kernel window and the arithmetic are shown."""
        return self._active

    @property
    def filling(self) -> bool:
        """True while the output is covered past the position ("filling in")."""
        return self._filling and self._active

    @property
    def question(self) -> bool:
        """True while the padding cells are shown as "?" (the lesson's edge question)."""
        return self._question

    @property
    def playing(self) -> bool:
        """True while playing."""
        return self.playback.playing

    def grid_shape(self, stage: str | None = None) -> tuple[int, int]:
        """Rows and columns of positions of ``stage`` (default: the current one)."""
        return self._grids[stage or self._stage]

    @property
    def has_pool(self) -> bool:
        """True when the result has a pooled map to animate."""
        return self._grids["pool"] != (0, 0)

    def position_rc(self) -> tuple[int, int] | None:
        """The current position as ``(row, col)``, or None when there is nothing to show."""
        h, w = self.grid_shape()
        if h == 0 or w == 0:
            return None
        r, c = divmod(self.playback.position, w)
        return int(r), int(c)

    # --- the result behind it ----------------------------------------------------------

    def set_grids(
        self,
        conv: tuple[int, int] | None,
        pool: tuple[int, int] | None,
        now: float | None = None,
    ) -> None:
        """A new result (or none): its output and pooled shapes.

        Paused or stopped, the new output is shown whole (the covers go) and the window stays
        where it is: the same row and column, each clamped to the new grid (not the same
        index, which would land on an unrelated cell of a grid of another width). While
        playing, playback carries on from there and keeps filling in: the user asked for that.
        """
        rc = self.position_rc()
        self._grids = {"conv": conv or (0, 0), "pool": pool or (0, 0)}
        if self._stage == "pool" and not self.has_pool:
            self._stage = "conv"
        h, w = self.grid_shape()
        self.playback.set_total(h * w)
        if rc is not None and h and w:
            index = min(rc[0], h - 1) * w + min(rc[1], w - 1)
            if index != self.playback.position:  # re-anchor only a real move (playing on)
                self.playback.seek(index, now)
        if not self.playback.playing:
            self._filling = False
        self._emit("position", "state")

    # --- commands ----------------------------------------------------------------------

    def _show(self, *, filling: bool = True) -> None:
        self._active = True
        self._filling = filling

    def play(self, now: float) -> None:
        """Start or resume playing (from the start when at the end)."""
        self._show()
        self.playback.play(now)
        self._emit("position", "state")

    def pause(self) -> None:
        """Pause at the current position."""
        if self.playback.playing:
            self.playback.pause()
            self._emit("state")

    def toggle(self, now: float) -> None:
        """Play or pause."""
        if self.playback.playing:
            self.pause()
        else:
            self.play(now)

    def stop(self) -> None:
        """Stop: back to the start, hide the window, show the whole output."""
        self.playback.stop()
        self._active = self._filling = self._question = False
        self._emit("position", "state")

    def step(self, n: int, now: float) -> None:
        """Move ``n`` positions and pause; the output fills in up to there."""
        self._show()
        self.playback.step(n, now)
        self._emit("position", "state")

    def seek(self, index: int, now: float, *, filling: bool = True) -> None:
        """Jump to a position index (playing continues from there)."""
        self._show(filling=filling)
        self.playback.seek(index, now)
        self._emit("position", "state")

    def seek_rc(
        self, row: int, col: int, now: float, stage: str | None = None, *, filling: bool = True
    ) -> None:
        """Jump to ``(row, col)`` of ``stage`` (default: the current stage); outside: no-op."""
        if stage is not None:
            self.set_stage(stage, now)
        h, w = self.grid_shape()
        if 0 <= row < h and 0 <= col < w:
            self.seek(row * w + col, now, filling=filling)

    def to_start(self, now: float) -> None:
        """First position, paused."""
        self._show()
        self.playback.to_start()
        self.playback.seek(0, now)
        self._emit("position", "state")

    def to_end(self, now: float) -> None:
        """Last position, paused."""
        self._show()
        self.playback.to_end()
        self._emit("position", "state")

    def set_speed(self, steps_per_second: float, now: float) -> None:
        """Steps per second."""
        self.playback.set_speed(steps_per_second, now)
        self._emit("state")

    def set_stage(self, stage: str, now: float) -> None:
        """Animate the convolution or the pooling (pooling only when there is a pooled map).

        The new stage starts at its first position; playing goes on playing.
        """
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
        if stage == "pool" and not self.has_pool:
            stage = "conv"
        if stage == self._stage:
            return
        self._stage = stage
        h, w = self.grid_shape()
        self.playback.set_total(h * w)
        self.playback.seek(0, now)
        self._emit("position", "state")

    def set_question(self, on: bool) -> None:
        """Show the padding cells as "?" (the lesson's question) or with their values."""
        if on != self._question:
            self._question = on
            self._emit("position", "state")

    def tick(self, now: float) -> bool:
        """Advance with the time; True when the position changed."""
        was_playing = self.playback.playing
        moved = self.playback.tick(now)
        if moved:
            self._emit("position", *(() if self.playback.playing else ("state",)))
        elif was_playing and not self.playback.playing:
            self._emit("state")
        return moved


__all__ = ["STAGES", "AnimationModel", "PlayState", "Playback"]
