"""Chart style shared by every stage: seaborn on a CJK-capable font, modest dpi.

The font (Noto Sans CJK SC) ships in the ``mplfonts`` wheel, so Chinese labels render on
any machine without a system font; ``setup()`` registers it with matplotlib by path.
"""
from __future__ import annotations

from importlib import resources

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager

FONT_FILE = "NotoSansCJKsc-Regular.otf"
_STATE = {"lang": "zh"}
PALETTE = "crest"
DPI = 90


def cjk_font_path() -> str:
    return str(resources.files("mplfonts").joinpath("fonts", FONT_FILE))


def setup(lang: str = "zh") -> str:
    """Register the CJK font and set the house style (notes in ``lang``); returns the font family."""
    _STATE["lang"] = lang
    path = cjk_font_path()
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    sns.set_theme(style="whitegrid", context="notebook", font=family,
                  rc={"axes.unicode_minus": False, "figure.dpi": DPI, "savefig.dpi": DPI,
                      "figure.figsize": (8, 4), "axes.titleweight": "bold"})
    return family


def absent(data, title: str) -> bool:
    """True, after saying so in the report, when ``data`` holds nothing to draw: an
    optional input the export does not have is reported, not a crash."""
    from IPython.display import Markdown, display

    from .i18n import t
    empty = data is None or len(data) == 0
    if not empty and hasattr(data, "columns") and len(data.columns):
        first = data.iloc[:, 0].astype(str)
        values = data.select_dtypes("number")
        empty = values.size == 0 or values.isna().all().all() or first.eq(t("missing", _STATE["lang"])).all()
    if empty:
        display(Markdown(f"*{title}: {t('not_in_data', _STATE['lang'])}*"))
    return empty


def bar(df, x: str, y: str, title: str, xlabel: str, ylabel: str, pct: bool = False, horizontal: bool = False,
        ax=None):
    """A labelled bar chart of ``df[y]`` by ``df[x]`` (values printed on the bars)."""
    if ax is None and absent(df, title):
        return None
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(3, 0.35 * len(df))) if horizontal else (8, 3.8))
    if horizontal:
        sns.barplot(data=df, y=x, x=y, ax=ax, color=sns.color_palette(PALETTE)[3], orient="h")
    else:
        sns.barplot(data=df, x=x, y=y, ax=ax, color=sns.color_palette(PALETTE)[3])
    ax.set_title(title)
    ax.set_xlabel(ylabel if horizontal else xlabel)
    ax.set_ylabel(xlabel if horizontal else ylabel)
    fmt = (lambda v: f"{100 * v:.0f}%") if pct else (lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2f}")
    for cont in ax.containers:
        ax.bar_label(cont, labels=[fmt(v) for v in cont.datavalues], fontsize=8, padding=2)
    if pct:
        axis = ax.xaxis if horizontal else ax.yaxis
        axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if not horizontal and len(df) > 6:
        ax.tick_params(axis="x", rotation=30)
    sns.despine(ax=ax)
    plt.tight_layout()
    return ax


def heatmap(table, title: str, xlabel: str, ylabel: str, fmt: str = ",.0f", ax=None):
    """An annotated heat map of a cross-tab (rows × columns)."""
    if table is None or table.size <= 1 or table.isna().all().all():
        absent(None, title)
        return None
    if ax is None:
        _, ax = plt.subplots(figsize=(min(12, 1.2 * table.shape[1] + 3), 0.45 * table.shape[0] + 1.8))
    sns.heatmap(table, annot=True, fmt=fmt, cmap=PALETTE, cbar=False, ax=ax, annot_kws={"fontsize": 8})
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=0)
    ax.tick_params(axis="y", rotation=0)
    plt.tight_layout()
    return ax


def profile(dist, title: str, ylabel_share: str, ylabel_value: str, value_col: int = 3, value_pct: bool = False):
    """Two panels for a banded distribution: share of customers, and a value per band
    (by default net spend per customer); ``dist`` is ``profiling.distribution``'s table."""
    if absent(dist, title):
        return None
    label, share, value = dist.columns[0], dist.columns[2], dist.columns[value_col]
    n = len(dist)
    horizontal = n > 7 or dist[label].astype(str).str.len().max() > 6
    fig, axes = plt.subplots(1, 2, figsize=(11, max(3.2, 0.32 * n + 1.2)) if horizontal else (11, 3.6))
    bar(dist, label, share, ylabel_share, label, ylabel_share, pct=True, horizontal=horizontal, ax=axes[0])
    bar(dist, label, value, ylabel_value, label, ylabel_value, pct=value_pct, horizontal=horizontal, ax=axes[1])
    if horizontal:
        axes[1].set_ylabel("")
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig
