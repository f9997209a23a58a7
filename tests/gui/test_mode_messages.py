"""A message shown in one mode does not stay up in another."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction


def _trigger(window: Any, name: str) -> None:
    act = window.findChild(QAction, name)
    assert act is not None, name
    act.trigger()


def test_a_message_from_one_mode_is_gone_in_the_next(window: Any) -> None:
    _trigger(window, "digitsNetworkAction")
    assert window.mode == "network"
    window.show_message("info", "dense got new random weights")
    assert window.message_bar.isVisibleTo(window)
    _trigger(window, "modeKernelAction")
    assert window.mode == "kernel"
    assert not window.message_bar.isVisibleTo(window), "the network's message stayed up"


def test_a_message_about_the_switch_itself_stays(window: Any) -> None:
    """Animate This Layer on a pooling layer switches mode, then says what it shows."""
    from convgui.gui.network_animate import animate_layer
    from convgui.net import Network, digit_samples

    net = Network.digits()
    x = net.forward(digit_samples()[0][0])[1]  # pool1 reads relu1's output
    assert animate_layer(window, net, 2, x, filter=2)
    assert window.mode == "kernel"
    assert window.message_bar.isVisibleTo(window)
