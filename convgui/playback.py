"""Playback of the sliding-window animation: a small state machine driven by elapsed time.

No Qt here: the window's timer calls :meth:`Playback.tick` with the current time, and the
position is computed from the time since play started, so slow frames skip positions instead
of queueing them.
"""

from __future__ import annotations

import enum
import math


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


__all__ = ["PlayState", "Playback"]
