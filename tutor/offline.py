"""Offline by construction: environment switches set before heavy libraries import.

Each variable below stops one library from reaching the network at run time (measured in
../shared/FACTS.md). `setdefault` keeps an operator's explicit choice, except for the
hub switches, which must stay on: the embedding model is loaded from an installed package.
"""

import os

_FORCED = {
    # sentence-transformers / transformers: never ask the hub, load from the package path.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}
_DEFAULTS = {
    # chromadb's posthog telemetry.
    "ANONYMIZED_TELEMETRY": "False",
    # Gradio's version check and analytics start as soon as a Blocks is created.
    "GRADIO_ANALYTICS_ENABLED": "False",
    # Tokenizers warn (and may deadlock) after a fork when their pool is already used.
    "TOKENIZERS_PARALLELISM": "false",
    # transformers prints a "Loading weights" bar on stderr for every model load.
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}


def enforce() -> None:
    os.environ.update(_FORCED)
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
