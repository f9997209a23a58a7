"""The lesson's 6×6 grid and kernel, defined once for every test (resources/samples/lesson6x6.txt).

Tests compare against these literals, not against the sample file the app loads, so a damaged
sample fails the tests.
"""

from __future__ import annotations

import numpy as np

#: The grid as 0–255 integers.
GRID = np.array(
    [
        [2, 3, 0, 8, 120, 200],
        [2, 4, 2, 5, 4, 180],
        [1, 7, 10, 25, 12, 150],
        [0, 9, 6, 11, 10, 90],
        [30, 45, 60, 75, 80, 70],
        [255, 230, 210, 190, 170, 160],
    ],
    dtype=np.uint8,
)
#: The lesson's kernel (it sums to 16).
KERNEL = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
