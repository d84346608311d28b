"""tutor: an offline-first AI tutor.

Importing the package switches off every phone-home we know of (Hugging Face hub look-ups,
Chroma telemetry, Gradio analytics) before any of those libraries is imported; see offline.py.
"""

from tutor import offline as _offline

_offline.enforce()

__version__ = "0.1.0"
