"""Cut the real-export slices of tests/test_real_exports.py from ../shared/data/public (run from the repository root:
`.venv/bin/python tests/data/cut_real_exports.py`). Lines are copied byte for byte (BOM, quoting, header kept);
only which lines are kept is decided here. Deterministic: fixed seeds, gzip without a timestamp."""

import csv
import gzip
import io
import random
import zipfile
from pathlib import Path

PUBLIC = Path(__file__).resolve().parents[3] / "shared" / "data" / "public"
OUT = Path(__file__).resolve().parent


def write_gz(path: Path, lines: list[bytes]) -> None:
    with (
        open(path, "wb") as f,
        gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz,
    ):
        gz.writelines(lines)


def field(line: bytes, i: int, encoding: str) -> str:
    return next(csv.reader([line.decode(encoding)]))[i]


def ta_feng(members=2000, seed=2000):
    with zipfile.ZipFile(PUBLIC / "ta_feng_grocery" / "ta_feng_all_months_merged.csv.zip") as z:
        lines = z.read("ta_feng_all_months_merged.csv").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    ids = [field(line, 1, "utf-8") for line in body]  # CUSTOMER_ID, as written ("01104905")
    chosen = set(random.Random(seed).sample(sorted(set(ids)), members))
    write_gz(
        OUT / "ta_feng_2000members.csv.gz",
        [header] + [row for row, i in zip(body, ids) if i in chosen],
    )


def online_retail(customers=1500, anonymous=3000, seed=2010):
    with gzip.open(
        PUBLIC / "online_retail_ii_2009_2010" / "online_retail_ii_2009_2010.csv.gz", "rb"
    ) as f:
        text = f.read()
    lines = text.splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO(text.decode("utf-8"))))
    assert len(rows) == len(lines)  # no quoted line breaks: one line is one row
    header, body, rows = lines[0], lines[1:], rows[1:]
    ci, di = rows[0].__len__() - 2, 4  # Customer ID, InvoiceDate ("2009-12-01 07:45:00")
    window = [i for i, r in enumerate(rows) if r[di] < "2010-07-01"]
    known = sorted({rows[i][ci] for i in window if rows[i][ci]})
    rng = random.Random(seed)
    chosen = set(rng.sample(known, customers))
    anon = set(rng.sample([i for i in window if not rows[i][ci]], anonymous))
    keep = [body[i] for i in window if rows[i][ci] in chosen or i in anon]
    write_gz(OUT / "online_retail_ii_2009-12_2010-06_1500customers.csv.gz", [header] + keep)


if __name__ == "__main__":
    ta_feng()
    online_retail()
