"""``Sentiment``: the feedback sentiment model in the scikit-learn shape (fit / predict_proba /
predict, ``Sentiment.shipped()``), over ``kequn.models.sentiment``; the feedback stage and an
analyst's own notebook use the same class (exported from ``kequn``).

``score_feedback`` scores a feedback table with it (trained on the customers' own ratings when
there are enough, the shipped model otherwise) and returns a ``SentimentRun``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    def assess(self, texts, languages=None) -> pd.DataFrame:
        """Score only what can be read: ``score``, ``basis`` (model / emoji) and ``reason``
        for texts left unscored (a language the model does not read, too little signal).
        ``languages``: each text's ``kequn.models.text.language`` when already known (found
        again otherwise). A Series of texts keeps its index."""
        self._check()
        s = pd.Series(list(texts), index=texts.index if isinstance(texts, pd.Series) else None)
        langs = None if languages is None else np.asarray(languages, dtype=object)
        return self.model_.assess(s, langs)

    def figures_on(self, texts, y) -> dict:
        """Texts, accuracy and balanced accuracy at the threshold, and AUC on labelled texts
        the model was not fitted on (how far it carries to them)."""
        from kequn.models.sentiment import transfer

        self._check()
        return transfer(self.model_, pd.Series(list(texts)), y)

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("Sentiment is not fitted: fit(texts, y) or Sentiment.shipped()")


@dataclass(frozen=True, eq=False)
class SentimentRun:
    """What ``score_feedback`` found: how the texts were scored, how well, and per text its
    score, label and basis (arrays aligned with the feedback table's rows).

    Attributes
    ----------
    why_none : str or None
        Catalogue key of the sentence saying why no text was scored ("f.no_text": the export
        has no text column, "f.sent_none": nothing left after cleaning, "fsec.none": no
        feedback at all); None when texts were scored.
    source : str or None
        "ratings" (trained on the customers' own ratings) or "default" (the shipped model).
    figures : dict or None
        Cross-validated figures of the model trained on the ratings; for the shipped model,
        its figures on the rated texts (None with too few of both sides).
    default_figures : dict or None
        With ``source`` "ratings": the shipped model's figures on the same rated texts.
    labelled : int
        Rated texts that trained or checked the model.
    threshold : float or None
        The model's decision threshold.
    score, label, basis, reason : numpy.ndarray or None
        Per row: P(positive) or the emoji share (NaN when not scored); "positive", "neutral",
        "negative" or None; "model", "emoji" or None; why a text was not scored ("language",
        "signal") or None.
    scored, by_emoji : int
        Texts with a label; of them, judged by their emoji.
    not_scored : dict
        Texts left without a label per reason (``kequn.models.sentiment.REASONS``).
    """

    why_none: str | None = None
    source: str | None = None
    figures: dict | None = None
    default_figures: dict | None = None
    labelled: int = 0
    threshold: float | None = None
    score: np.ndarray | None = None
    label: np.ndarray | None = None
    basis: np.ndarray | None = None
    reason: np.ndarray | None = None
    scored: int = 0
    by_emoji: int = 0
    not_scored: dict = field(default_factory=dict)


def weak_labels(ratings) -> np.ndarray:
    """Ratings as sentiment labels: 4–5 → 1, 1–2 → 0, 3 and missing → −1 (left out)."""
    r = pd.Series(ratings).astype("float64")
    return np.where(r >= 4, 1, np.where(r <= 2, 0, -1))


def score_feedback(
    fb: pd.DataFrame, seed: int, min_labelled: int = 200, max_train: int = 20_000
) -> SentimentRun:
    """Sentiment score and label of every text of ``fb`` (``clean_text``, ``language`` from
    ``kequn.models.text.prepare``; ``rating`` when the export has one).

    When at least ``min_labelled`` texts in a language the model reads carry a rating and both
    sides occur, a ``Sentiment`` is trained on the customers' own ratings as weak labels
    (``weak_labels``): ``source`` "ratings", with its cross-validated ``figures`` and the
    shipped model's ``default_figures`` on the same labelled texts (how far a general model
    would have gone). Otherwise ``Sentiment.shipped()`` scores them (``source`` "default";
    ``figures`` against the few ratings there are, when there are 20 with both sides). At most
    ``max_train`` rated texts (a random sample) train and cross-validate the model: accuracy has
    long levelled off there, and six fits on a million texts would take the better part of an
    hour on two cores. Labels: ``kequn.models.sentiment.labels``."""
    from kequn.models.sentiment import READS, REASONS, labels

    has_text = (fb["clean_text"].str.len() > 0).to_numpy()
    if not has_text.any():
        return SentimentRun(why_none="f.sent_none" if "text" in fb else "f.no_text")
    r = fb["rating"] if "rating" in fb else pd.Series(np.nan, index=fb.index)
    lab = weak_labels(r)
    reads = fb["language"].isin(READS).to_numpy() if "language" in fb else np.ones(len(fb), bool)
    use = has_text & reads & (lab >= 0)  # a language the model does not read teaches it nothing
    both = len(np.unique(lab[use])) == 2
    if use.sum() > max_train:
        keep = np.random.default_rng(seed).choice(np.flatnonzero(use), max_train, replace=False)
        use = np.zeros(len(fb), dtype=bool)
        use[keep] = True
    shipped = Sentiment.shipped()
    rated = fb.loc[use, "clean_text"].astype(str)
    if use.sum() >= min_labelled and both:
        model = Sentiment(folds=5, seed=seed).fit(rated, lab[use])
        source, figures = "ratings", model.figures_
        default_figures = shipped.figures_on(rated, lab[use])
    else:
        model, source, default_figures = shipped, "default", None
        figures = shipped.figures_on(rated, lab[use]) if use.sum() >= 20 and both else None
    a = model.assess(
        fb.loc[has_text, "clean_text"].astype(str),
        fb.loc[has_text, "language"] if "language" in fb else None,
    )
    score = np.full(len(fb), np.nan)
    basis = np.full(len(fb), None, dtype=object)
    reason = np.full(len(fb), None, dtype=object)
    score[has_text] = a["score"].to_numpy()
    basis[has_text], reason[has_text] = a["basis"].to_numpy(), a["reason"].to_numpy()
    emoji = basis == "emoji"
    return SentimentRun(
        source=source,
        figures=figures,
        default_figures=default_figures,
        labelled=int(use.sum()),
        threshold=model.threshold_,
        score=score,
        label=labels(score, model.threshold_, emoji),
        basis=basis,
        reason=reason,
        scored=int(pd.notna(basis).sum()),
        by_emoji=int(emoji.sum()),
        not_scored={k: int((reason == k).sum()) for k in REASONS},
    )
