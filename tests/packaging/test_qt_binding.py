"""Guards against a Qt binding that corrupts Python's reference count of None.

PySide6 6.12.0 drops one reference to None per repaint. On Python 3.11, where None is not yet
immortal, a session of a few thousand repaints (minutes of animation) then aborts with
"Fatal Python error: none_dealloc". pyproject.toml excludes that release; this test fails if a
binding with the same defect is ever installed.
"""

import sys

from PySide6.QtWidgets import QLabel


def test_repaints_do_not_leak_references_to_none(qtbot) -> None:
    label = QLabel("convgui")
    qtbot.addWidget(label)
    label.show()
    for _ in range(20):
        label.repaint()
    before = sys.getrefcount(None)
    for _ in range(300):
        label.repaint()
    lost = before - sys.getrefcount(None)
    # Immortal None (Python 3.12+) reports a constant count; a sound binding loses nothing.
    assert lost < 50, f"{lost} references to None lost over 300 repaints"
