"""convgui: a desktop convolution explorer for learning how CNN layers see images."""

__version__ = "0.1.0"
