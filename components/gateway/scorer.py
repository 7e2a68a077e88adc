"""The difficulty score of a prompt, a number in [0, 1], on CPU in well under a millisecond (stdlib only).

Features (each scaled to [0, 1]): length, math content (digits and operators), code, reasoning cues
("prove", "step by step", "why", ...), and how many questions or parts the prompt has. A logistic model
combines them with weights read from `scorer_weights.json` next to this module.

Fitted or not: the weights file says so. The label a fit needs is "the fast tier's answer was wrong while
the strong tier's was right" for each prompt, which takes real answers from both tiers (`deploy eval`).
Until such a set is fitted, the shipped file is marked unfitted and `score` is the plain mean of the
features (equal weights); `Weights.fitted` and `Weights.source` say which applies.

    python -m deepseek_deploy.components.gateway.scorer LABELLED.jsonl > scorer_weights.json

fits on rows `{"prompt": ..., "label": 0|1}` (80% train, 20% held out) and reports the held-out AUROC.
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

FEATURES = ("length", "math", "code", "reasoning", "parts")
WEIGHTS_FILE = Path(__file__).with_name("scorer_weights.json")

_CUES = re.compile(
    r"\b(prove|proof|step[- ]by[- ]step|why|derive|explain|justify|show that|reason|compare|analy[sz]e|"
    r"optimi[sz]e|trade-?offs?|edge cases?|complexity|algorithm|calculate|solve|how many|what if)\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"```|\bdef |\bclass |\bfunction\b|#include|\breturn\b|=>|;\s*$|\bSELECT\b", re.MULTILINE)
_MATH = re.compile(r"\d+(?:\.\d+)?|[+\-*/^=<>%√∑∫]")
_PARTS = re.compile(r"\?|^\s*(?:\d+[.)]|[-*•]|\([a-z]\))\s+", re.MULTILINE)


def features(prompt: str) -> list[float]:
    """The feature vector of a prompt, in the order of FEATURES, each in [0, 1]."""
    words = len(prompt.split())
    return [
        min(1.0, words / 300.0),
        min(1.0, len(_MATH.findall(prompt)) / 20.0),
        min(1.0, len(_CODE.findall(prompt)) / 3.0),
        min(1.0, len(_CUES.findall(prompt)) / 3.0),
        min(1.0, max(0, len(_PARTS.findall(prompt)) - 1) / 3.0),
    ]


@dataclass(frozen=True)
class Weights:
    fitted: bool
    source: str
    bias: float = 0.0
    weights: tuple[float, ...] = ()
    auroc_held_out: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "fitted": self.fitted,
            "source": self.source,
            "features": list(FEATURES),
            "bias": self.bias,
            "weights": list(self.weights),
            "auroc_held_out": self.auroc_held_out,
        }


UNFITTED = Weights(False, "unfitted: no labelled set is shipped; the score is the mean of the features")


def load_weights(path: Path = WEIGHTS_FILE) -> Weights:
    """The shipped weights, or UNFITTED when the file is missing or says it is not fitted."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return UNFITTED
    if not document.get("fitted") or list(document.get("features") or []) != list(FEATURES):
        return Weights(False, str(document.get("source") or UNFITTED.source))
    return Weights(
        True,
        str(document.get("source", "")),
        float(document["bias"]),
        tuple(float(w) for w in document["weights"]),
        document.get("auroc_held_out"),
    )


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def score(prompt: str, weights: Weights | None = None) -> float:
    """The difficulty of `prompt` in [0, 1]: the logistic model if fitted, else the features' mean."""
    w = weights if weights is not None else _DEFAULT
    x = features(prompt)
    if not w.fitted:
        return sum(x) / len(x)
    return _sigmoid(w.bias + sum(wi * xi for wi, xi in zip(w.weights, x, strict=True)))


def fit(
    rows: Iterable[tuple[str, int]], *, l2: float = 0.01, epochs: int = 500, rate: float = 0.5, source: str = ""
) -> Weights:
    """Logistic regression with L2 by full-batch gradient descent on (prompt, label) rows."""
    data = [(features(prompt), float(label)) for prompt, label in rows]
    if not data or len({y for _, y in data}) < 2:
        raise ValueError("fitting needs rows of both labels (0 and 1)")
    n, k = len(data), len(FEATURES)
    bias, w = 0.0, [0.0] * k
    for _ in range(epochs):
        grad_b, grad_w = 0.0, [0.0] * k
        for x, y in data:
            error = _sigmoid(bias + sum(wi * xi for wi, xi in zip(w, x, strict=True))) - y
            grad_b += error
            for i in range(k):
                grad_w[i] += error * x[i]
        bias -= rate * grad_b / n
        w = [wi - rate * (gi / n + l2 * wi) for wi, gi in zip(w, grad_w, strict=True)]
    return Weights(True, source or f"fitted on {n} rows", bias, tuple(w))


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The area under the ROC curve: the chance a positive scores above a negative (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        raise ValueError("AUROC needs both labels")
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def fit_and_evaluate(rows: Sequence[tuple[str, int]], *, held_out: float = 0.2, seed: int = 0, source: str) -> Weights:
    """Fit on a shuffled split and report the AUROC on the held-out share."""
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    cut = max(1, int(len(shuffled) * (1 - held_out)))
    train, test = shuffled[:cut], shuffled[cut:]
    weights = fit(train, source=source)
    both = len({y for _, y in test}) == 2  # a small held-out share may hold one label only: no AUROC then
    result = auroc([score(p, weights) for p, _ in test], [y for _, y in test]) if both else None
    return Weights(True, f"{source} ({len(train)} train, {len(test)} held out)", weights.bias, weights.weights, result)


def read_labelled(path: Path) -> list[tuple[str, int]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((str(row["prompt"]), int(row["label"])))
    return rows


_DEFAULT = load_weights()


if __name__ == "__main__":  # pragma: no cover - the fitting command
    labelled = Path(sys.argv[1])
    fitted = fit_and_evaluate(read_labelled(labelled), source=f"fitted on {labelled.name}")
    print(json.dumps(fitted.to_json(), indent=2))
