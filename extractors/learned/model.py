"""Linear models over TF-IDF feature blocks, stored as plain arrays that cannot run code.

A pickled scikit-learn pipeline would execute whatever a swapped file tells it
to on load. Here a model is its vocabulary, IDF weights, coefficients and class
names in an `.npz` read with `allow_pickle=False`, and every file is checked
against the SHA-256 written in `manifest.json` at training before it is read.
Prediction is a few lines of numpy, the same code at training and at run time.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np




def models_dir() -> Path:
    """Where the active domain pack keeps its trained models (`models` in its pack.json)."""
    from solieu.extractors.lexicon import pack_path

    return pack_path("models")

MANIFEST = "manifest.json"
FORMAT = "solieu-linear-1"
MODELS_ENV = "SOLIEU_MODELS"  # a folder of models written by `solieu train --add` or `--models DIR`
DATA_ENV = "SOLIEU_DATA"  # the user's data folder, instead of the platform's


def data_dir() -> Path:
    """The user's own solieu folder: models learned from their corrections live here, never in the checkout.

    `SOLIEU_DATA`, else the platform's place for an application's data
    (`$XDG_DATA_HOME/solieu`, `~/.local/share/solieu`, `~/Library/Application
    Support/solieu`, `%LOCALAPPDATA%\\solieu`).
    """
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "solieu"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "solieu"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "solieu"


def user_models_dir() -> Path:
    """Where `solieu train --add` writes: `SOLIEU_MODELS`, else the domain's folder in the user's data folder."""
    from solieu.extractors.lexicon import domain_name

    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV])
    return data_dir() / "models" / domain_name()


def active_models_dir() -> Path:
    """The models the extractor runs with: the user's (`SOLIEU_MODELS`, or the ones `train --add` wrote), else the pack's.

    A `SOLIEU_MODELS` naming a folder that is missing or holds no models is refused
    (ModelFileError), never read as "no models": the user asked for models and would
    silently get the rules alone.
    """
    named = os.environ.get(MODELS_ENV)
    if named:
        folder = Path(named)
        if not folder.is_dir():
            raise ModelFileError(f"{MODELS_ENV}={named}: no such folder (unset it to use the shipped models)")
        if not (folder / MANIFEST).is_file():
            raise ModelFileError(f"{MODELS_ENV}={named}: holds no models (no {MANIFEST}; `solieu train --add "
                                 "SHEET` writes them, or unset it to use the shipped models)")
        return folder
    own = user_models_dir()
    return own if (own / MANIFEST).is_file() else models_dir()

Blocks = dict[str, list[str]]


class ModelFileError(ValueError):
    """A model file or folder is missing, altered or unreadable; the message names it and why (one line for the user)."""


@dataclass
class Vectorizer:
    """TF-IDF per block (sublinear tf, smooth idf, l2 per block), blocks weighted and joined."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    block_of: np.ndarray  # block index of each column
    block_names: tuple[str, ...]
    block_weights: np.ndarray

    @classmethod
    def fit(cls, samples: Sequence[Blocks], weights: dict[str, float], min_df: int = 1) -> Vectorizer:
        names = tuple(sorted(weights))
        df: Counter[str] = Counter()
        for sample in samples:
            df.update({_key(name, f) for name in names for f in sample.get(name, [])})
        kept = sorted(key for key, count in df.items() if count >= min_df)
        vocabulary = {key: column for column, key in enumerate(kept)}
        n = len(samples)
        idf = np.array([math.log((1 + n) / (1 + df[key])) + 1.0 for key in kept], dtype=np.float64)
        block_of = np.array([names.index(key.split("|", 1)[0]) for key in kept], dtype=np.int32)
        return cls(vocabulary, idf, block_of, names, np.array([weights[b] for b in names], dtype=np.float64))

    def block_columns(self) -> list[tuple[str, Any]]:
        """Per block, feature → column (the vocabulary's keys are `block|feature`), built on first use."""
        if not hasattr(self, "_block_columns"):
            split: dict[str, dict[str, int]] = {name: {} for name in self.block_names}
            for key, column in self.vocabulary.items():
                block, feature = key.split("|", 1)
                split[block][feature] = column
            self._block_columns = [(name, split[name].get) for name in self.block_names]
        return self._block_columns

    def weights(self, samples: Sequence[Blocks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, weight) of every non-zero cell: columns looked up once, then counts,
        weights and block norms as array sums, with no Counter or array per sample and block."""
        rows: list[int] = []
        cols: list[int] = []
        columns = self.block_columns()
        for row, sample in enumerate(samples):
            for name, lookup in columns:
                found = [column for column in map(lookup, sample.get(name, ())) if column is not None]
                rows.extend([row] * len(found))
                cols.extend(found)
        width = len(self.vocabulary)
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        keys, counts = np.unique(np.array(rows, dtype=np.int64) * width + np.array(cols, dtype=np.int64),
                                 return_counts=True)
        row_of, column_of = np.divmod(keys, width)
        weight = (1.0 + np.log(counts)) * self.idf[column_of]
        block = self.block_of[column_of]
        group = row_of * len(self.block_names) + block
        norms = np.sqrt(np.bincount(group, weights=weight * weight))
        weight *= self.block_weights[block] / norms[group]
        return row_of, column_of, weight

    def transform(self, samples: Sequence[Blocks]) -> Any:
        """The samples as a sparse matrix, for training (scikit-learn reads it); prediction needs no scipy."""
        from scipy import sparse

        rows, cols, weight = self.weights(samples)
        return sparse.csr_matrix((weight, (rows, cols)), shape=(len(samples), len(self.vocabulary)))


def probabilities(scores: np.ndarray) -> np.ndarray:
    """Raw class scores as probabilities: a sigmoid for one column (two classes), a softmax otherwise."""
    if scores.shape[1] == 1:
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


def best_classes(proba: np.ndarray, classes: Sequence[str]) -> list[tuple[str, float]]:
    """The most probable class of each row and its probability."""
    best = proba.argmax(axis=1)
    return [(classes[i], float(proba[row, i])) for row, i in enumerate(best)]


def _key(block: str, feature: str) -> str:
    return f"{block}|{feature}"


@dataclass
class LinearModel:
    """A fitted linear classifier: probabilities by softmax (or sigmoid for two classes)."""

    name: str
    vectorizer: Vectorizer
    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes, n_features), or (1, n_features) for two classes
    intercept: np.ndarray

    def coef_columns(self) -> np.ndarray:
        """The coefficients one row per feature, in float64, converted once per process."""
        if not hasattr(self, "_coef_columns"):
            self._coef_columns = np.ascontiguousarray(self.coef.T, dtype=np.float64)
        return self._coef_columns

    def predict_proba(self, samples: Sequence[Blocks]) -> np.ndarray:
        rows, cols, weight = self.vectorizer.weights(samples)
        scores = np.zeros((len(samples), self.coef.shape[0])) + self.intercept
        np.add.at(scores, rows, weight[:, None] * self.coef_columns()[cols])
        return probabilities(scores)

    def predict(self, samples: Sequence[Blocks]) -> list[tuple[str, float]]:
        """Best class and its probability for each sample."""
        return best_classes(self.predict_proba(samples), self.classes)

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything the model is, as arrays of numbers and UTF-8 bytes (no Python objects)."""
        vocabulary = sorted(self.vectorizer.vocabulary, key=self.vectorizer.vocabulary.__getitem__)
        meta = {"format": FORMAT, "name": self.name, "classes": list(self.classes),
                "block_names": list(self.vectorizer.block_names), "vocabulary": vocabulary}
        return {
            "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
            "idf": self.vectorizer.idf.astype(np.float32),
            "block_of": self.vectorizer.block_of,
            "block_weights": self.vectorizer.block_weights,
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LinearModel:
        meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"unknown model format {meta.get('format')!r}")
        vectorizer = Vectorizer(
            {key: column for column, key in enumerate(meta["vocabulary"])},
            arrays["idf"].astype(np.float64), arrays["block_of"],
            tuple(meta["block_names"]), arrays["block_weights"],
        )
        return cls(meta["name"], vectorizer, tuple(meta["classes"]), arrays["coef"], arrays["intercept"])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(directory: Path | None = None) -> dict | None:
    """The manifest, or None when no model was ever trained (the rules then decide alone)."""
    directory = directory or active_models_dir()
    path = directory / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise ModelFileError(f"{path}: not a model manifest ({reason}); run `solieu train` to rebuild it") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("models"), dict):
        raise ModelFileError(f"{path}: not a model manifest (no list of models); run `solieu train` to rebuild it")
    return manifest


def model_from_arrays(arrays: dict[str, np.ndarray]) -> Any:
    """A linear model or a tree ensemble (`trees.py`), by the format its file names."""
    meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
    if meta.get("format") == "solieu-trees-1":
        from solieu.extractors.learned.trees import TreeModel

        return TreeModel.from_arrays(arrays)
    return LinearModel.from_arrays(arrays)


def load_model(name: str, directory: Path | None = None) -> Any:
    """The named model after checking its hash; None when there is no manifest at all."""
    directory = directory or active_models_dir()
    manifest = read_manifest(directory)
    if manifest is None:
        return None
    entry = manifest.get("models", {}).get(name)
    if entry is None:
        raise ModelFileError(f"{directory / MANIFEST}: no model named {name!r}; run `solieu train`")
    path = directory / Path(entry["file"]).name  # never follow a path out of the models folder
    if not path.exists():
        raise ModelFileError(f"{path}: model file missing; run `solieu train`")
    if sha256_of(path) != entry["sha256"]:
        raise ModelFileError(f"{path}: SHA-256 differs from the manifest written at training; "
                             "refusing to load it (run `solieu train` to rebuild)")
    try:
        with np.load(path, allow_pickle=False) as data:
            return model_from_arrays({key: data[key] for key in data.files})
    except (OSError, ValueError, KeyError) as error:
        raise ModelFileError(f"{path}: unreadable model file ({error})") from error
