"""Lexicons are data: the Vietnamese words and patterns every stage relies on live in
`corpora/lexicons/`, loaded once per process and shared by the stages.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
LEXICONS = CORPORA / "lexicons"


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """A lexicon file by name; keys starting with `_` are comments for the people who edit it."""
    with (LEXICONS / name).open(encoding="utf-8") as handle:
        return json.load(handle)
