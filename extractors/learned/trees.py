"""Gradient-boosted trees stored as plain arrays, run with numpy: the second model family.

scikit-learn's HistGradientBoosting learns interactions a linear model cannot
(a clock-time shape matters only beside a time-of-day word), but importing it
costs every worker process, and a pickle would run code on load. So a fitted
ensemble is exported as flat node arrays (feature, threshold, children, leaf
value) over the presence of the same feature strings the linear models read,
and every tree is walked at once, one level per step, for all the samples of a
document. The file format is checked like the linear one's (`model.load_model`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solieu.extractors.learned.model import Blocks, Vectorizer, best_classes, probabilities

TREES_FORMAT = "solieu-trees-1"


@dataclass
class TreeModel:
    """A boosted ensemble: trees of class `tree_class[t]` rooted at `roots[t]` in the node arrays."""

    name: str
    vectorizer: Vectorizer
    classes: tuple[str, ...]
    feature: np.ndarray  # column each inner node tests
    threshold: np.ndarray  # go left when the column's value is at most this
    left: np.ndarray  # absolute node indices; a leaf points to itself
    right: np.ndarray
    value: np.ndarray  # a leaf's contribution to its class's raw score
    roots: np.ndarray
    tree_class: np.ndarray
    baseline: np.ndarray  # raw score before any tree, per class column
    depth: int

    def raw_scores(self, samples: Sequence[Blocks]) -> np.ndarray:
        matrix = presence(self.vectorizer, samples)
        n = len(samples)
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        sample = np.arange(n)[:, None]
        for _ in range(self.depth):  # every tree of every sample moves down one level per step
            column = self.feature[node]
            go_left = matrix[sample, column] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        scores = np.zeros((n, len(self.baseline))) + self.baseline
        for k in range(len(self.baseline)):
            scores[:, k] += self.value[node[:, self.tree_class == k]].sum(axis=1)
        return scores

    def predict_proba(self, samples: Sequence[Blocks]) -> np.ndarray:
        if not samples:
            return np.zeros((0, len(self.classes)))
        return probabilities(self.raw_scores(samples))

    def predict(self, samples: Sequence[Blocks]) -> list[tuple[str, float]]:
        """Best class and its probability for each sample."""
        return best_classes(self.predict_proba(samples), self.classes)

    def arrays(self) -> dict[str, np.ndarray]:
        vocabulary = sorted(self.vectorizer.vocabulary, key=self.vectorizer.vocabulary.__getitem__)
        meta = {"format": TREES_FORMAT, "name": self.name, "classes": list(self.classes),
                "block_names": list(self.vectorizer.block_names), "vocabulary": vocabulary, "depth": self.depth}
        return {
            "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
            "idf": self.vectorizer.idf.astype(np.float32), "block_of": self.vectorizer.block_of,
            "block_weights": self.vectorizer.block_weights,
            "feature": self.feature, "threshold": self.threshold, "left": self.left, "right": self.right,
            "value": self.value, "roots": self.roots, "tree_class": self.tree_class, "baseline": self.baseline,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TreeModel:
        meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
        if meta.get("format") != TREES_FORMAT:
            raise ValueError(f"unknown model format {meta.get('format')!r}")
        vectorizer = Vectorizer({key: column for column, key in enumerate(meta["vocabulary"])},
                                arrays["idf"].astype(np.float64), arrays["block_of"],
                                tuple(meta["block_names"]), arrays["block_weights"])
        return cls(meta["name"], vectorizer, tuple(meta["classes"]), arrays["feature"], arrays["threshold"],
                   arrays["left"], arrays["right"], arrays["value"], arrays["roots"], arrays["tree_class"],
                   arrays["baseline"], int(meta["depth"]))


def presence(vectorizer: Vectorizer, samples: Sequence[Blocks]) -> np.ndarray:
    """1 where the sample has the feature: what the trees are fitted on and read."""
    rows, cols, _ = vectorizer.weights(samples)
    matrix = np.zeros((len(samples), len(vectorizer.vocabulary)), dtype=np.float32)
    matrix[rows, cols] = 1.0
    return matrix


def frequent_columns(vectorizer: Vectorizer, samples: Sequence[Blocks], limit: int) -> Vectorizer:
    """The vectorizer cut to the `limit` features most samples have: trees need dense rows."""
    _, cols, _ = vectorizer.weights(samples)
    df = np.bincount(cols, minlength=len(vectorizer.vocabulary))
    kept = np.sort(np.argsort(-df, kind="stable")[:limit])
    kept = kept[df[kept] > 0]
    by_column = {column: key for key, column in vectorizer.vocabulary.items()}
    return Vectorizer({by_column[int(c)]: i for i, c in enumerate(kept)}, vectorizer.idf[kept],
                      vectorizer.block_of[kept], vectorizer.block_names, vectorizer.block_weights)


def export(name: str, vectorizer: Vectorizer, fitted: Any) -> TreeModel:
    """A fitted HistGradientBoostingClassifier as node arrays (numeric splits, no missing values)."""
    features, thresholds, lefts, rights, values, roots, classes = [], [], [], [], [], [], []
    offset, depth = 0, 0
    for iteration in fitted._predictors:
        for k, predictor in enumerate(iteration):
            nodes = predictor.nodes
            leaf = nodes["is_leaf"].astype(bool)
            here = np.arange(len(nodes)) + offset
            features.append(np.where(leaf, 0, nodes["feature_idx"]).astype(np.int32))
            thresholds.append(np.where(leaf, np.inf, nodes["num_threshold"]).astype(np.float64))
            lefts.append(np.where(leaf, here, nodes["left"].astype(np.int64) + offset).astype(np.int32))
            rights.append(np.where(leaf, here, nodes["right"].astype(np.int64) + offset).astype(np.int32))
            values.append(np.where(leaf, nodes["value"], 0.0).astype(np.float64))
            roots.append(offset)
            classes.append(k)
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
    return TreeModel(name, vectorizer, tuple(str(c) for c in fitted.classes_), np.concatenate(features),
                     np.concatenate(thresholds), np.concatenate(lefts), np.concatenate(rights),
                     np.concatenate(values), np.asarray(roots, dtype=np.int32), np.asarray(classes, dtype=np.int32),
                     np.asarray(fitted._baseline_prediction, dtype=np.float64).ravel(), depth)
