"""motcua: the one-stop (một cửa) administrative procedure platform."""

__version__ = "0.1.0"
