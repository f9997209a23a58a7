"""Which output display is shown, and why: the automatic switch to diverging, kept honest.

Qt-free. One :class:`DisplayPolicy` lives beside the state; every published result is passed
to :meth:`DisplayPolicy.on_result`, every explicit choice from the drop-down or the menu to
:meth:`DisplayPolicy.choose`. The returned :class:`Decision` says which mode the state
should hold, which mode is actually drawn, and the status text that describes it.

The rules
---------
- A result of a kernel whose weights sum to 0 (edge and gradient kernels) that has negative
  values is switched from "clip" to "diverging" automatically, whatever produced it: a
  preset, a kernel file, undo/redo, a pasted block or a cell edit.
- The automatic switch is undone as soon as a result no longer qualifies (no negative value,
  or a kernel that does not sum to 0): the mode goes back to "clip" and the status text no
  longer talks about negative values.
- A mode the user picks is kept for the result in front of them; the switch happens only
  when a new result arrives. Picking "clip" while the automatic switch is on also means "no
  automatic switch": it stays off until the user picks another mode.
- Kernels whose weights do not sum to 0 (sharpen, unsharp mask, emboss) are image filters:
  their few negative overshoots are clipped as in any image editor (and counted), not
  switched to a signed map.
- Colour results have no signed or absolute map: "abs" and "diverging" are drawn as
  "stretch", and the decision says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .core import PRESETS

#: The output display modes, in menu order (the state holds one of them).
DISPLAY_MODES: tuple[str, ...] = ("clip", "stretch", "abs", "diverging")
#: Modes a colour (H, W, C) result cannot show; it is stretched instead.
GREY_ONLY_MODES: frozenset[str] = frozenset({"abs", "diverging"})


@dataclass(frozen=True)
class Decision:
    """What the output display shows for one result.

    Attributes
    ----------
    mode : str
        The mode actually drawn (pass it to ``display_for``): ``requested``, except
        ``"stretch"`` for a colour result when ``requested`` is ``"abs"`` or ``"diverging"``.
    requested : str
        The mode the state should hold and the menu should check.
    automatic : bool
        ``requested`` was chosen by the policy (the automatic switch to diverging is on).
    auto_switched : bool
        This result turned the automatic switch on.
    auto_reverted : bool
        This result turned the automatic switch off (back to ``"clip"``).
    status : str
        One sentence describing what is shown, or ``""`` when there is nothing to say.
    """

    mode: str
    requested: str
    automatic: bool
    auto_switched: bool
    auto_reverted: bool
    status: str

    @property
    def colour_stretched(self) -> bool:
        """A colour result is drawn stretched although another mode was requested."""
        return self.mode != self.requested


def _check_mode(mode: str) -> str:
    if mode not in DISPLAY_MODES:
        raise ValueError(f"display mode must be one of {', '.join(DISPLAY_MODES)}; got {mode!r}")
    return mode


def kernel_sums_to_zero(kernel: ArrayLike, *, rtol: float = 1e-9) -> bool:
    """Whether the weights sum to 0, up to rounding (edge and gradient kernels).

    Parameters
    ----------
    kernel : array_like
        The kernel's weights.
    rtol : float, keyword-only
        Tolerance relative to the sum of ``|weights|`` (``1/3 + 1/3 - 2/3`` is 0).

    Returns
    -------
    bool

    Examples
    --------
    >>> kernel_sums_to_zero([[-1, 0, 1]]), kernel_sums_to_zero([[1 / 3, 1 / 3, -2 / 3]])
    (True, True)
    >>> kernel_sums_to_zero([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    False
    """
    k = np.asarray(kernel, dtype=np.float64)
    scale = float(np.abs(k).sum())
    return abs(float(k.sum())) <= rtol * max(scale, 1.0)


def is_preset_kernel(kernel: ArrayLike) -> bool:
    """Whether ``kernel`` equals one of :data:`convgui.core.PRESETS` exactly.

    Examples
    --------
    >>> is_preset_kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    True
    >>> is_preset_kernel([[1, 2]])
    False
    """
    k = np.asarray(kernel, dtype=np.float64)
    return any(p.kernel.shape == k.shape and np.array_equal(p.kernel, k) for p in PRESETS.values())


class DisplayPolicy:
    """The user's chosen output display and the automatic switch to diverging.

    Parameters
    ----------
    mode : str, optional
        The user's mode at start (from the settings or ``--display``), one of
        :data:`DISPLAY_MODES`.

    Raises
    ------
    ValueError
        If ``mode`` is not a display mode.

    Examples
    --------
    >>> p = DisplayPolicy()
    >>> p.on_result(True, False, True, True).requested  # Sobel on a grey image
    'diverging'
    >>> d = p.on_result(False, False, False, False)  # then an all-positive kernel file
    >>> d.requested, d.auto_reverted, d.status
    ('clip', True, '')
    """

    def __init__(self, mode: str = "clip") -> None:
        self._chosen = _check_mode(mode)
        self._auto = False  # the requested mode is an automatic "diverging"
        self._declined = False  # the user picked "clip" over the automatic switch

    @property
    def chosen(self) -> str:
        """The mode the user chose last (what to save in the settings)."""
        return self._chosen

    @property
    def requested(self) -> str:
        """The mode the state should hold now."""
        return "diverging" if self._auto else self._chosen

    @property
    def automatic(self) -> bool:
        """Whether :attr:`requested` was switched automatically."""
        return self._auto

    def choose(self, mode: str) -> None:
        """Record the user's explicit choice of ``mode`` (drop-down, menu, command line).

        Choosing ``"clip"`` while the automatic switch is on turns the switch off until the
        user chooses another mode.

        Raises
        ------
        ValueError
            If ``mode`` is not a display mode.
        """
        _check_mode(mode)
        self._declined = mode == "clip" and (self._auto or self._declined)
        self._chosen = mode
        self._auto = False

    def on_result(
        self,
        has_negatives: bool,
        is_color: bool,
        kernel_sum_is_zero: bool,
        from_preset: bool,
        *,
        new_result: bool = True,
    ) -> Decision:
        """Decide the display for a newly published (or redrawn) result.

        Calling it again with the same facts gives the same modes (with no new switch), so
        it may be called on every redraw.

        Parameters
        ----------
        has_negatives : bool
            The result (after the activation) has a value below 0.
        is_color : bool
            The result is (H, W, C) colour.
        kernel_sum_is_zero : bool
            The kernel that produced it sums to 0 (see :func:`kernel_sums_to_zero`).
        from_preset : bool
            The kernel is one of the presets; only changes the wording of the status text.
        new_result : bool, keyword-only
            False when the same result is decided again after the user chose a mode: the
            automatic switch may be undone then, never turned on over the user's choice.

        Returns
        -------
        Decision
        """
        signed = bool(has_negatives) and bool(kernel_sum_is_zero)
        switched = reverted = False
        if self._auto and not signed:
            self._auto, reverted = False, True
        elif (
            new_result
            and signed
            and not self._auto
            and self._chosen == "clip"
            and not self._declined
        ):
            self._auto, switched = True, True
        requested = self.requested
        shown = "stretch" if is_color and requested in GREY_ONLY_MODES else requested
        return Decision(
            shown,
            requested,
            self._auto,
            switched,
            reverted,
            self._status(requested, shown, signed, from_preset),
        )

    def _status(self, requested: str, shown: str, signed: bool, from_preset: bool) -> str:
        what = "this preset" if from_preset else "this kernel"
        if shown != requested:
            title = "Diverging" if requested == "diverging" else "Absolute value"
            if self._auto:
                return (
                    "Colour result stretched min–max (automatic: "
                    f"{what} gives negative values; Diverging applies to grey results only)"
                )
            return f"Colour result stretched min–max ({title} applies to grey results only)"
        if self._auto:
            return (
                "Negative values in blue, positive in red "
                f"(automatic: {what} gives negative values)"
            )
        if signed and requested == "clip":
            return (
                "Negative values are clipped to black "
                "(View ▸ Output Display ▸ Diverging shows them in blue)"
            )
        return ""


__all__ = [
    "DISPLAY_MODES",
    "GREY_ONLY_MODES",
    "Decision",
    "DisplayPolicy",
    "is_preset_kernel",
    "kernel_sums_to_zero",
]
