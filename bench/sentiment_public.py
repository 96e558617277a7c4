"""Sentiment figures on the public labelled sets (make bench, last part): 5-fold cross-validated
accuracy / AUC per set, cross-domain transfers, the shipped default model on the held-out
extracts, and leave-one-domain-out transfer: the shipped corpus split into domains (food
delivery, each of the 9 shopping categories, UCI Amazon and IMDb sentences, Alexa reviews), a
model trained on all others scored on the one left out (AUC, and accuracy at 0.5: balanced class
weights). Two test-only domains are never in any training set: UCI Yelp sentences and the 293
hotel reviews (酒店) kept in tests/data/sentiment/online_shopping_2k.csv; hotel reviews are the
domain Kequn measures transfer on and never trains or tunes on (the shared copy of
online_shopping_10_cats has none left). Reads ../shared/data/public (the team's copies; skipped with a note where absent).
Prints a table and writes JSON to the path given as the first argument."""

import json
import sys
import time
from pathlib import Path

import pandas as pd
from kequn.models import sentiment

ROOT = Path(__file__).resolve().parents[1]
PUB = ROOT.parent / "shared" / "data" / "public"
TEST = ROOT / "tests" / "data" / "sentiment"


def sets() -> dict[str, pd.DataFrame]:
    uci = PUB / "uci_sentiment_labelled_sentences"
    out = {"waimai_10k": pd.read_csv(PUB / "waimai_10k" / "waimai_10k.csv")}
    shop = pd.read_csv(PUB / "online_shopping_10_cats" / "online_shopping_10_cats.csv.gz")
    out["online_shopping_10_cats (20k sample)"] = shop.sample(20_000, random_state=7)
    out["uci sentences (amazon+yelp+imdb)"] = pd.concat(
        [
            pd.read_csv(uci / f, sep="\t", header=None, names=["review", "label"], quoting=3)
            for f in ("amazon_cells_labelled.txt", "yelp_labelled.txt", "imdb_labelled.txt")
        ]
    )
    a = pd.read_csv(
        PUB / "amazon_alexa_reviews" / "amazon_alexa.tsv", sep="\t", encoding="utf-8-sig"
    )
    a = a[(a["rating"] != 3) & a["verified_reviews"].fillna("").str.strip().ne("")]
    out["amazon_alexa (1-2 vs 4-5 stars)"] = pd.DataFrame(
        {"review": a["verified_reviews"], "label": (a["rating"] >= 4).astype(int)}
    )
    return {
        k: v.dropna(subset=["review"]).assign(review=lambda d: d["review"].astype(str))
        for k, v in out.items()
    }


def _lodo_one(corpus: pd.DataFrame, domain: str, test: pd.DataFrame) -> dict:
    from sklearn.metrics import accuracy_score, roc_auc_score

    train = corpus[corpus["domain"] != domain]
    p = (
        sentiment.pipeline()
        .fit(train["review"], train["label"])
        .predict_proba(test["review"])[:, 1]
    )
    return {
        "kind": "leave one domain out",
        "set": domain,
        "texts": int(len(test)),
        "train": int(len(train)),
        "accuracy": float(accuracy_score(test["label"], p >= 0.5)),
        "auc": float(roc_auc_score(test["label"], p)),
    }


def leave_one_domain_out() -> list[dict]:
    """Per domain of the shipped corpus: trained on the others, tested on it; the test-only
    domains (yelp, hotel) against a model trained on the whole corpus; then the means."""
    from joblib import Parallel, delayed

    corpus = pd.read_csv(sentiment.CORPUS)
    corpus["domain"] = corpus["source"].where(
        corpus["source"] != "online_shopping_10_cats", "shopping:" + corpus["cat"].astype(str)
    )
    shop = pd.read_csv(TEST / "online_shopping_2k.csv")
    extra = {
        "uci_yelp (test only)": pd.read_csv(
            TEST / "yelp_labelled.txt", sep="\t", header=None, names=["review", "label"], quoting=3
        ),
        "hotel 酒店 (test only)": shop[shop["cat"] == "酒店"],
    }
    assert (
        not corpus["review"].isin(set(extra["hotel 酒店 (test only)"]["review"])).any()
    )  # never trained on
    jobs = [(d, corpus[corpus["domain"] == d]) for d in sorted(corpus["domain"].unique())] + list(
        extra.items()
    )
    rows = Parallel(n_jobs=2)(delayed(_lodo_one)(corpus, d, te) for d, te in jobs)
    zh = [r["auc"] for r in rows if r["set"].startswith(("waimai", "shopping", "hotel"))]
    en = [r["auc"] for r in rows if not r["set"].startswith(("waimai", "shopping", "hotel"))]
    for name, aucs in (
        ("mean, Chinese domains", zh),
        ("mean, English domains", en),
        ("mean, all domains", zh + en),
    ):
        rows.append(
            {
                "kind": "leave one domain out",
                "set": name,
                "texts": len(aucs),
                "accuracy": float("nan"),
                "auc": sum(aucs) / len(aucs),
            }
        )
    return rows


def main(out_path: str) -> None:
    if not PUB.exists():
        print(f"\nsentiment on public sets: skipped ({PUB} not found)")
        return
    rows = []
    data = sets()
    for name, d in data.items():
        t = time.perf_counter()
        r = sentiment.evaluate(d["review"], d["label"])
        rows.append(
            {"kind": "5-fold CV", "set": name, **r, "seconds": round(time.perf_counter() - t, 1)}
        )
    pairs = [
        ("waimai_10k", "online_shopping_10_cats (20k sample)"),
        ("online_shopping_10_cats (20k sample)", "waimai_10k"),
        ("uci sentences (amazon+yelp+imdb)", "amazon_alexa (1-2 vs 4-5 stars)"),
    ]
    for a, b in pairs:
        m = sentiment.fit(data[a]["review"], data[a]["label"])
        rows.append(
            {
                "kind": "cross-domain",
                "set": f"{a} -> {b}",
                **sentiment.transfer(m, data[b]["review"], data[b]["label"]),
            }
        )
    m = sentiment.default_model()
    for f in ("waimai_2k.csv", "online_shopping_2k.csv", "yelp_labelled.txt"):
        d = (
            pd.read_csv(TEST / f, sep="\t", header=None, names=["review", "label"], quoting=3)
            if f.endswith(".txt")
            else pd.read_csv(TEST / f)
        )
        rows.append(
            {
                "kind": "shipped model, held out",
                "set": f,
                **sentiment.transfer(m, d["review"], d["label"]),
            }
        )
    t = time.perf_counter()
    rows += leave_one_domain_out()
    print(f"  leave one domain out: {time.perf_counter() - t:.0f} s")
    print(f"\n{'sentiment':<24} {'set':<62} {'texts':>7} {'accuracy':>9} {'AUC':>6}")
    for r in rows:
        acc = r.get("accuracy_calibrated", r["accuracy"])
        print(f"{r['kind']:<24} {r['set']:<62} {r['texts']:>7,} {acc:>9.3f} {r['auc']:>6.3f}")
    Path(out_path).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
