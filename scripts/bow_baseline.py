#!/usr/bin/python3
"""Bag-of-words logistic regression, and the scoring of predictions, in numpy only: the reference
that scripts/finetune_table.sh sets beside fine-tuning (independent of bertforge's code).

  bow_baseline.py fit TRAIN VALID TEST   multinomial logistic regression on lower-cased word
      counts (words seen twice in TRAIN), L2 strength picked on VALID from {1e-4, 1e-3, 1e-2},
      Adam for 300 full-batch steps; prints {"accuracy", "macro_f1"} on TEST as JSON
  bow_baseline.py score PREDICTIONS TEST  accuracy and macro-F1 of `bertforge predict` output
      (one {"label"} a line) against TEST's labels; prints them as JSON
"""
import json
import re
import sys
from collections import Counter

import numpy as np


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def words(text):
    return re.findall(r"[a-z']+", text.lower())


def scores(gold, pred):
    labels = sorted(set(gold) | set(pred))
    f1 = []
    for c in labels:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        f1.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    return {"accuracy": acc, "macro_f1": float(np.mean(f1))}


def fit(train, valid, test):
    counts = Counter(w for r in train for w in words(r["text"]))
    vocab = {w: i for i, w in enumerate(sorted(w for w, c in counts.items() if c >= 2))}
    labels = sorted({r["label"] for r in train})

    def feats(rows):
        x = np.zeros((len(rows), len(vocab) + 1))
        x[:, -1] = 1.0  # bias
        for i, r in enumerate(rows):
            for w in words(r["text"]):
                if w in vocab:
                    x[i, vocab[w]] += 1.0
        return np.log1p(x)

    xt, xv, xs = feats(train), feats(valid), feats(test)
    yt = np.eye(len(labels))[[labels.index(r["label"]) for r in train]]

    def train_with(l2):
        w = np.zeros((xt.shape[1], len(labels)))
        m, v = np.zeros_like(w), np.zeros_like(w)
        for t in range(1, 301):
            z = xt @ w
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            g = xt.T @ (p - yt) / len(train) + l2 * w
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            w -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        return w

    def predict(w, x):
        return [labels[i] for i in (x @ w).argmax(1)]

    best = max((scores([r["label"] for r in valid], predict(w, xv))["accuracy"], l2, w)
               for l2, w in ((l2, train_with(l2)) for l2 in (1e-4, 1e-3, 1e-2)))
    return scores([r["label"] for r in test], predict(best[2], xs))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "fit":
        print(json.dumps(fit(read(sys.argv[2]), read(sys.argv[3]), read(sys.argv[4]))))
    elif len(sys.argv) == 4 and sys.argv[1] == "score":
        pred, test = read(sys.argv[2]), read(sys.argv[3])
        print(json.dumps(scores([r["label"] for r in test], [p["label"] for p in pred])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
