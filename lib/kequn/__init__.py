"""Kequn (客群): customer segmentation and needs analysis. See README.md for the map of modules.

The public API (``kequn.api``, numpydoc docstrings with examples)::

    import kequn
    run = kequn.open_run("data/processed/demo-20261201")
    X = kequn.Preparer().fit_transform(run["features"])
    seg = kequn.Segmenter(k="auto").fit(X)
    bgf = kequn.BetaGeo().fit(btyd["x"], btyd["t_x"], btyd["T"])
    kequn.kano.evaluate(run["kano"], rule="mom")

Names are loaded on first use, so ``import kequn.run.config`` (the command line) stays light.
"""

__version__ = "0.1.0"

# the public names of kequn.api (kept in step by tests/test_api.py) and the kano module
__all__ = [
    *(
        "open_run Run Preparer Segmenter BetaGeo ModifiedBetaGeo ParetoNBD NBD GammaGamma "
        "Sentiment monthly_rate"
    ).split(),
    "kano",
]


def __getattr__(name: str):
    if name == "kano":
        import importlib

        return importlib.import_module("kequn.models.kano")
    if name in __all__:
        from kequn import api

        return getattr(api, name)
    raise AttributeError(f"module 'kequn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
