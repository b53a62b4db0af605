"""The defaults that commands show in their help and the modules behind them use.

Kept in a module that imports nothing heavy, so that `solieu --help` (which
builds every command's parser) does not load duckdb and pandas only to print a
default; `store`, `compare` and the commands all read them from here.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_DB = Path("data/solieu.duckdb")
EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
EXPORT_TABLES: tuple[str, ...] = ("figures", "documents")
GROUP_KEYS: tuple[str, ...] = ("province", "metric", "period", "locality", "counted")
DEFAULT_BY: tuple[str, ...] = ("province", "metric", "period")
STATUSES: tuple[str, ...] = ("achieved", "target")
