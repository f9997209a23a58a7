"""User-facing titles, labels, tooltips and messages of the window, and every limit, in one place.

A wording change is made here and nowhere else; a limit is one constant, imported where it is
used. The kernel side and the pixel limit stay defined where they are enforced (the state and the
image reader) and are re-exported from here.
"""

from __future__ import annotations

from ..imageio import MAX_PIXELS
from ..state import MAX_KERNEL_SIDE
from .layer_panel import MAX_DILATION, MAX_PAD

__all__ = [
    "BIG_IMAGE_PIXELS",
    "MAX_ABS_SETTING",
    "MAX_DILATION",
    "MAX_KERNEL_SIDE",
    "MAX_PAD",
    "MAX_PIXELS",
    "MAX_POOL",
    "MAX_RECENT",
    "MAX_STRIDE",
    "TEXT_SCALES",
]

# --- limits ---------------------------------------------------------------------------------

#: Images at least this large get a busy cursor while loading and a note about speed.
BIG_IMAGE_PIXELS = 16_000_000
#: Entries of File ▸ Open Recent.
MAX_RECENT = 10
#: The stride spin box's maximum (``strideSpin``).
MAX_STRIDE = 16
#: The pooling window and pooling stride spin boxes' maximum.
MAX_POOL = 8
#: The largest magnitude of the constant, divisor and bias fields.
MAX_ABS_SETTING = 1e6
#: View ▸ Text Size steps, as factors of the system font; 1.0 is the system size.
TEXT_SCALES = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0)

FIRST_RUN_PRESET = "sharpen"

# --- widgets --------------------------------------------------------------------------------

INPUT_TITLE = "Input"
OUTPUT_TITLE = "Output"
POOLED_TITLE = "Pooled"
INPUT_VIEW_TIP = "The input image. Scroll to zoom, drag to pan."
OUTPUT_VIEW_TIP = (
    "The output: each pixel is the sum of the products of the kernel and the image under it."
)
POOLED_VIEW_TIP = (
    "The pooled map: each pixel keeps the largest (or the average) value of a window of the output."
)
COLOR_CHECK = "Colour"
COLOR_CHECK_TIP = (
    "Filter red, green and blue separately and show the colour "
    "result (off: the image is turned to grey by BT.601 luma)."
)
SCALE_ITEMS = (("0–255", "0-255"), ("0–1", "0-1"))
SCALE_TIP = "Pixel values as stored (0–255) or normalised to 0–1, as the network sees them."
DISPLAY_TIP = (
    "How output values become grey levels: clip to the pixel range, stretch min–max, "
    "absolute value, or blue (negative) to red (positive) for edge kernels."
)
CLIPPED_TIP = "Output pixels outside the displayable range."
ARITHMETIC_IDLE = (
    "Press ▶ (Space) to slide the kernel over the image, or click an output "
    "pixel to see how it was computed."
)
ARITHMETIC_NO_OUTPUT = (
    "These layer settings give no output, so there is nothing to slide over: see the message "
    "at the top, or Layer ▸ Reset Layer Settings."
)
ARITHMETIC_QUESTION = (
    "<b>Output row {row}, column {col}</b>: {n} of the kernel's {size} cells lie outside the "
    "image (marked ?). What should they be multiplied by?"
)
NO_OUTPUT_SUBTITLE = "no output (see the layer settings)"
STOP_BUTTON = "Show all"
ROBUST_TITLE = "&Robust Limits (Ignore the Extreme 0.5%)"
ROBUST_TIP = (
    "Stretch, absolute and diverging displays use percentile limits, so a few very strong "
    "values do not make every other edge faint; values beyond them are counted as clipped."
)
STOP_TITLE = "&Stop: Show the Whole Output"
STOP_TIP = "Stop: show the whole output"

# --- messages -------------------------------------------------------------------------------

NO_OUTPUT_TO_SAVE = "There is no output to save yet."
NO_POOLED_TO_SAVE = "There is no pooled map to save: choose Max or Average pooling first."
NO_OUTPUT_TO_COPY = "There is no output to copy yet."
ONLY_LOCAL_FILES = (
    "Only files on this computer can be opened: save the image first, then drop the file."
)
NOT_ENOUGH_MEMORY = (
    "Not enough memory to open this image. The current image is kept; try a smaller one."
)
SETTINGS_UNREADABLE = (
    "Your settings could not be read ({reason}); defaults restored; the old file was kept as "
    "{backup}."
)
SETTINGS_UNREADABLE_NO_FILE = (
    "Your settings could not be read ({reason}); defaults restored; the old settings could not "
    "be kept ({error})."
)

# --- dialogs --------------------------------------------------------------------------------

OPEN_IMAGE_TITLE = "Open Image"
OPEN_KERNEL_TITLE = "Open Kernel"
SAVE_KERNEL_TITLE = "Save Kernel"
SAVE_OUTPUT_TITLE = "Save Output Image"
SAVE_VALUES_TITLE = "Save Output Values"
KERNEL_FILTER = "Kernels (*.json *.txt *.csv);;All files (*)"
SAVE_KERNEL_FILTER = "Kernel with settings (*.json);;Plain text rows (*.txt)"
SAVE_OUTPUT_FILTER = (
    "PNG, 8-bit as displayed (*.png);;PNG, 16-bit grey (*.16.png);;"
    "TIFF, 32-bit float raw values (*.float.tif);;"
    "JPEG (*.jpg);;TIFF, 8-bit (*.tif);;BMP (*.bmp);;NumPy raw values (*.npy)"
)
SAVE_VALUES_FILTER = "NumPy array (*.npy)"
WHICH_MAP_TITLE = "Save Which Map?"
WHICH_MAP_TEXT = (
    "Pooling is on. Save the output of the convolution ({out}) or the pooled map ({pooled})? "
    "Either is saved as it is displayed."
)
WHICH_MAP_OUTPUT = "Output"
WHICH_MAP_POOLED = "Pooled Map"
REPLACE_OPENED_TITLE = "Replace the opened image?"
REPLACE_OPENED_TEXT = "“{name}” is the image you opened. Replace it with the {what}?"
REPLACE_EXISTING_TITLE = "Replace the file?"
REPLACE_EXISTING_TEXT = (
    "“{name}” already exists and was not written by convgui in this session. Replace it with "
    "the {what}?"
)
NOT_SAVED = "Not saved: “{name}” was left as it was."
ABOUT_TITLE = "About convgui"
ABOUT_TEXT = (
    "<h3>convgui</h3><p>A convolution explorer: a kernel slides over an image, the "
    "overlapping values are multiplied and summed into one output pixel, the edges are "
    "padded, and max pooling shrinks the result.</p><p>Convolution here is "
    "cross-correlation, as in Keras Conv2D; “same” padding follows Keras exactly.</p>"
)
SHORTCUTS_TITLE = "Keyboard Shortcuts"
SHORTCUTS_FIXED = (
    ("Play / pause the animation", "Space"),
    ("Step forward / back", "Right / Left"),
    ("First / last position", "Home / End"),
    ("Kernel table: edit a cell", "type a number, Enter or Tab"),
    ("Kernel table: move", "arrow keys, Tab"),
    ("Kernel table: copy / paste rows of numbers", "Ctrl+C / Ctrl+V"),
    ("Zoom the views", "mouse wheel; drag to pan"),
)
SHORTCUTS_NOTE = (
    "<p>Space plays and pauses wherever the focus is, except while typing in a field. The "
    "arrow keys, Home and End move the animation unless the focused control uses them "
    "(the kernel table, a field, a slider, a spin box or a drop-down list).</p>"
)

# --- menus ----------------------------------------------------------------------------------

MENU_FILE = "&File"
MENU_RECENT = "Open &Recent"
MENU_EDIT = "&Edit"
MENU_KERNEL = "&Kernel"
MENU_PRESETS = "&Presets"
MENU_LAYER = "&Layer"
MENU_SAMPLES = "&Samples"
MENU_VIEW = "&View"
MENU_DISPLAY = "Output &Display"
MENU_TEXT_SIZE = "&Text Size"
MENU_ANIMATION = "&Animation"
MENU_HELP = "&Help"
NO_RECENT = "(no recent files)"
CLEAR_RECENT = "Clear Menu"

#: Animation menu entries in a mode that has no animation of its own.
NO_ANIMATION_HERE = "This view has no animation: View ▸ Single Kernel has one."
