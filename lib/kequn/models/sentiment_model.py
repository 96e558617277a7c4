"""``Sentiment``: the feedback sentiment model in the scikit-learn shape (fit / predict_proba /
predict, ``Sentiment.shipped()``), over ``kequn.models.sentiment``; the feedback stage and an
analyst's own notebook use the same class (exported from ``kequn``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class Sentiment:
    """P(positive) of feedback texts in Chinese and English (character and word n-grams,
    logistic regression; ``kequn.models.sentiment``), with a decision threshold calibrated on
    out-of-fold predictions.

    Parameters
    ----------
    folds : int
        Cross-validation folds for the threshold and the figures.
    seed : int
        Seed of the folds and the model.

    Attributes
    ----------
    threshold_ : float
        P(positive) from which a text is called positive.
    figures_ : dict or None
        Cross-validated accuracy, balanced accuracy, AUC (when fitted here).
    classes_ : numpy.ndarray
        [0, 1]: negative, positive.

    Examples
    --------
    >>> import pandas as pd, kequn
    >>> reviews = pd.read_csv("tests/data/sentiment/waimai_2k.csv").sample(600, random_state=1)
    >>> model = kequn.Sentiment(folds=3).fit(reviews["review"], reviews["label"])
    >>> model.predict(["太难吃了，送得又慢", "很好吃，送餐也快"])
    array([0, 1])
    >>> shipped = kequn.Sentiment.shipped()  # trained on public reviews, shipped with Kequn
    >>> shipped.predict(["质量很好，物流很快", "terrible, it broke in a day"])
    array([1, 0])
    """

    classes_ = np.array([0, 1])

    def __init__(self, folds: int = 5, seed: int = 7):
        self.folds = folds
        self.seed = seed

    @classmethod
    def shipped(cls) -> "Sentiment":
        """The model shipped with Kequn (Chinese delivery and shopping reviews, English product
        and film sentences); cached in the environment by ``make setup``."""
        from kequn.models.sentiment import default_model

        out = cls()
        out._use(default_model())
        return out

    def _use(self, m) -> None:
        self.model_ = m
        self.threshold_ = float(m.threshold)
        self.figures_ = m.figures

    def fit(self, texts, y) -> "Sentiment":
        """Fit on labelled texts (``y``: 1 positive, 0 negative); returns self."""
        from kequn.models.sentiment import fit

        self._use(fit(pd.Series(list(texts)), y, folds=self.folds, seed=self.seed))
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """[P(negative), P(positive)] per text."""
        self._check()
        p = self.model_.score(pd.Series(list(texts)))
        return np.column_stack([1 - p, p])

    def predict(self, texts) -> np.ndarray:
        """1 (positive) or 0 per text, at the calibrated threshold."""
        return (self.predict_proba(texts)[:, 1] >= self.threshold_).astype("int64")

    def assess(self, texts) -> pd.DataFrame:
        """Score only what can be read: ``score``, ``basis`` (model / emoji) and ``reason``
        for texts left unscored (a language the model does not read, too little signal)."""
        self._check()
        return self.model_.assess(pd.Series(list(texts)))

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("Sentiment is not fitted: fit(texts, y) or Sentiment.shipped()")
