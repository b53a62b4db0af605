"""Lexicons are data: the Vietnamese words and patterns every stage relies on live in
`corpora/lexicons/` (the engine's) and `corpora/domains/<name>/` (one programme's), loaded
once per process and shared by the stages.

A domain pack holds everything specific to one programme: its taxonomy, its metric
lexicon, its words for neighbouring programmes and situation counts, its gold,
training corpus and models. The engine names no programme: it asks this module for
a lexicon by file name and gets the engine's table with the active pack's keys laid
over it (a key ending in `+` extends the engine's list instead of replacing it).
The pack is chosen once per process (`--domain`, or `SOLIEU_DOMAIN`), before the
first lexicon is read; worker processes inherit it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
LEXICONS = CORPORA / "lexicons"
DOMAINS = CORPORA / "domains"
DEFAULT_DOMAIN = "mai-dam"
DOMAIN_ENV = "SOLIEU_DOMAIN"
PACK_FILE = "pack.json"
# The shape every pack's lexicons must have: the default pack's (with the engine's).
REFERENCE_LEXICONS = DOMAINS / DEFAULT_DOMAIN / "lexicons"


class DomainError(ValueError):
    """A domain pack that does not exist or cannot be read; the message names it and why."""


def domain_name() -> str:
    """The active domain pack: `SOLIEU_DOMAIN` (set by `--domain`), else the default one."""
    return os.environ.get(DOMAIN_ENV) or DEFAULT_DOMAIN


def known_domains() -> list[str]:
    return sorted(path.parent.name for path in DOMAINS.glob(f"*/{PACK_FILE}"))


@lru_cache(maxsize=None)
def domain_dir(name: str | None = None) -> Path:
    """The folder of a domain pack (the active one by default); refused when it has no pack.json."""
    name = name or domain_name()
    path = DOMAINS / name
    if not (path / PACK_FILE).is_file():
        raise DomainError(f"{name}: no such domain pack (known: {', '.join(known_domains()) or 'none'})")
    return path


@lru_cache(maxsize=None)
def pack(name: str | None = None) -> dict[str, Any]:
    """The pack's own description (`pack.json`): its title and where its corpora and models are."""
    return _read(domain_dir(name) / PACK_FILE)


def pack_path(key: str, name: str | None = None) -> Path:
    """A path the pack names (`models`, `training` ...), resolved against the pack's folder."""
    return (domain_dir(name) / pack(name)[key]).resolve()


@lru_cache(maxsize=None)
def taxonomy(name: str | None = None) -> dict[str, Any]:
    """The pack's taxonomy: metric codes with their names, and the statuses (one source for all)."""
    return _read(domain_dir(name) / "taxonomy.json")


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """A lexicon by file name: the engine's table with the active pack's keys laid over it.

    Keys starting with `_` are comments for the people who edit the files.
    """
    engine = LEXICONS / name
    domain = domain_dir() / "lexicons" / name
    if not domain.is_file():
        return _read(engine)
    if not engine.is_file():
        return _read(domain)
    return overlay(_read(engine), _read(domain))


def overlay(engine: Any, domain: Any) -> Any:
    """The engine's table with the domain's keys: `key` replaces, `key+` extends a list or a table."""
    if not isinstance(engine, dict) or not isinstance(domain, dict):
        return domain
    merged = dict(engine)
    for key, value in domain.items():
        if key.endswith("+") and isinstance(merged.get(key[:-1]), list):
            merged[key[:-1]] = merged[key[:-1]] + list(value)
        elif key.endswith("+") and isinstance(merged.get(key[:-1]), dict):
            merged[key[:-1]] = {**merged[key[:-1]], **value}
        else:
            merged[key] = value
    return merged


def lexicon_files() -> list[Path]:
    """Every file the extraction reads its words from: the engine's lexicons and the active pack's
    lexicons and models (what the extractor version of a stored document depends on)."""
    from solieu.extractors.learned.model import active_models_dir  # the user's models, once trained, else the pack's

    folders = (LEXICONS, domain_dir() / "lexicons", active_models_dir())
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*") if path.is_file())


def alternation(words: list[str] | tuple[str, ...] | set[str], shared_prefixes: bool = False) -> str:
    """A regex alternation of the words, escaped, longest first, so that `ít nhất` wins over a prefix of it.

    The one builder of word patterns: every lexicon list becomes a pattern through it. A pack may
    leave a list empty (no neighbouring programme named): then it matches nothing.
    `shared_prefixes` is for long lists of names (hundreds of districts): there a
    trie is ten times faster than the flat list, which `re` scans faster for the
    short cue lists (measured on the development texts).
    """
    if not words:
        return "(?!)"  # an empty list matches nothing (not the empty string everywhere)
    if shared_prefixes:
        return _trie_pattern(_trie(sorted(set(words))))
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_END = ""  # the trie key that marks the end of a word


def _trie(words: list[str]) -> dict[str, dict]:
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return root


def _trie_pattern(node: dict[str, dict]) -> str:
    """The words sharing a prefix share its pattern (`tỉnh (?:Hà (?:Nam|Tĩnh))`).

    A flat alternation of hundreds of names is tried name by name at every
    position of the text; the trie is tried character by character. Longer
    continuations come first and a word's end is optional after them, so the
    longest word still wins, as in the flat alternation it replaces.
    """
    return _trie_part(node)[0]


def _trie_part(node: dict[str, dict]) -> tuple[str, int]:
    """(pattern, longest continuation) of a trie node, built bottom-up in one pass."""
    parts = sorted(((re.escape(char) + pattern, 1 + longest) for char, child in node.items() if char != _END
                    for pattern, longest in [_trie_part(child)]), key=lambda part: -part[1])
    if not parts:
        return "", 0
    body = parts[0][0] if len(parts) == 1 else "(?:" + "|".join(pattern for pattern, _ in parts) + ")"
    return (f"(?:{body})?" if _END in node else body), parts[0][1]


def underthesea_file(*parts: str) -> Path:
    """A data file inside the installed underthesea, found without importing it (its import costs 0.3 s)."""
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("underthesea is not installed: solieu reads its address data and word dictionary")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)


def _read(path: Path) -> Any:
    """A JSON table; a broken one is a DomainError naming the file (a pack is edited by hand)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise DomainError(f"{path}: not valid JSON ({error.msg}, line {error.lineno} column {error.colno})") from None
    except UnicodeDecodeError as error:
        raise DomainError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


# What `pack.json` must say, and of what kind: the engine reads these keys of every pack.
PACK_KEYS: dict[str, type] = {"models": str, "training": str, "programme": dict}
_KINDS: dict[type, str] = {dict: "a table", list: "a list", str: "a text", bool: "true or false"}


def check_pack(name: str | None = None) -> None:
    """Refuse, before any work, a pack whose files are broken or of the wrong shape, naming the file and key.

    Met later, a missing `models` failed every document with a KeyError and a
    list where the engine expects a table with a TypeError deep in a stage.
    """
    folder = domain_dir(name)
    description = _read(folder / PACK_FILE)
    _check_kind(description, dict, folder / PACK_FILE, "the file")
    for key, kind in PACK_KEYS.items():
        if key not in description:
            raise DomainError(f"{folder / PACK_FILE}: no '{key}' (the pack must name its {key})")
        _check_kind(description[key], kind, folder / PACK_FILE, f"'{key}'")
    _check_kind(_read(folder / "taxonomy.json"), dict, folder / "taxonomy.json", "the file")
    for path in sorted((folder / "lexicons").glob("*.json")):
        table = _read(path)
        _check_kind(table, dict, path, "the file")
        for key, value in table.items():
            base = key.removesuffix("+")
            reference = _reference_kinds(path.name)
            if not key.startswith("_") and base in reference:
                _check_kind(value, reference[base], path, f"'{key}'")


@lru_cache(maxsize=None)
def _reference_kinds(name: str) -> dict[str, type]:
    """The kind of every key of a lexicon, as the engine's table and the default pack's have it."""
    kinds: dict[str, type] = {}
    for path in (REFERENCE_LEXICONS / name, LEXICONS / name):
        if path.is_file():
            table = _read(path)
            if isinstance(table, dict):
                kinds.update({key.removesuffix("+"): type(value) for key, value in table.items()})
    return kinds


def _check_kind(value: Any, kind: type, path: Path, what: str) -> None:
    if kind in _KINDS and not isinstance(value, kind):
        raise DomainError(f"{path}: {what} must be {_KINDS[kind]}, not {_KINDS.get(type(value), type(value).__name__)}")
