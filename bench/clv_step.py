"""CLV step for make bench: python bench/clv_step.py RUN_DIR — BTYD summary from the clean
orders (DuckDB), BG/NBD and Gamma-Gamma fits, 12-month discounted value for every buyer."""
import json
import sys

from kequn import clv
from kequn.features import btyd_summary

run = sys.argv[1]
q = json.load(open(f"{run}/proc/quality.json"))
s = btyd_summary(f"{run}/proc/clean", q["as_of"])
bg = list(clv.fit_bgnbd(s["x"], s["t_x"], s["T"]).params.values())
gg = list(clv.fit_gamma_gamma(s["x"], s["m"]).params.values())
clv.discounted_value(bg, gg, s["x"], s["t_x"], s["T"], s["m"], horizon=52, step=4.33, discount_rate=0.01)
