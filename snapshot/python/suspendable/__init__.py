"""suspendable: suspend a running Python program or notebook cell and resume it later, anywhere."""

__version__ = "0.1.0"
