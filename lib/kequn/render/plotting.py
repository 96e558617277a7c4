"""Chart style shared by every stage: seaborn on a CJK-capable font, modest dpi.

The font (Noto Sans CJK SC) ships in the ``mplfonts`` wheel, so Chinese labels render on
any machine without a system font; ``setup()`` registers it with matplotlib by path.
"""

from __future__ import annotations

import re
from importlib import resources

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
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
    sns.set_theme(
        style="whitegrid",
        context="notebook",
        font=family,
        rc={
            "axes.unicode_minus": False,
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "figure.figsize": (8, 4),
            "axes.titleweight": "bold",
        },
    )
    _describe_charts()
    return family


_NUMBER = re.compile(r"[\s\d.,%+\-−–—/:×()]*")


def figure_text(fig, limit: int = 2000) -> str:
    """What a chart says in words, for its alternative text (what a screen reader reads, and
    what the zh check of the pages reads): the figure's title, and per panel its title, axis
    names, tick labels, legend and the texts placed on it, each once, numbers left out. Call
    it after the figure is drawn (tick labels are set when drawing)."""
    seen: list[str] = []

    def add(text) -> None:
        text = " ".join(str(text).split())
        if text and not _NUMBER.fullmatch(text) and text not in seen:
            seen.append(text)

    if getattr(fig, "_suptitle", None) is not None:
        add(fig._suptitle.get_text())
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for loc in ("left", "center", "right"):
            add(ax.get_title(loc=loc))
        add(ax.get_xlabel())
        add(ax.get_ylabel())
        for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
            add(label.get_text())
        legend = ax.get_legend()
        if legend is not None:
            add(legend.get_title().get_text())
            for text in legend.get_texts():
                add(text.get_text())
        for text in ax.texts:
            add(text.get_text())
    sep = "；" if _STATE["lang"] == "zh" else "; "
    return sep.join(seen)[:limit]


def _describe_charts() -> None:
    """In a notebook, every chart the inline backend shows carries ``figure_text`` as the
    image's alternative text (output metadata ``alt``; the report template writes it)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks
        return
    ip = get_ipython()
    if ip is None or "inline" not in str(matplotlib.get_backend()).lower():
        return
    import matplotlib_inline.backend_inline  # noqa: F401  # its import sets the formatters first
    from matplotlib.figure import Figure

    png = ip.display_formatter.formatters["image/png"]
    try:
        draw = png.lookup_by_type(Figure)
    except KeyError:
        return
    if getattr(draw, "kequn_alt", False):
        return

    def with_alt(fig):
        data = draw(fig)
        return None if data is None else (data, {"alt": figure_text(fig)})

    with_alt.kequn_alt = True
    png.for_type(Figure, with_alt)


def absent(data, title: str) -> bool:
    """True, after saying so in the report, when ``data`` holds nothing to draw: an
    optional input the export does not have is reported, not a crash."""
    from IPython.display import Markdown, display

    from kequn.lang.i18n import t
    from kequn.render.show import md_escape

    empty = data is None or len(data) == 0
    if not empty and hasattr(data, "columns") and len(data.columns):
        first = data.iloc[:, 0].astype(str)
        values = data.select_dtypes("number")
        empty = (
            values.size == 0
            or values.isna().all().all()
            or first.eq(t("missing", _STATE["lang"])).all()
        )
    if empty:
        display(Markdown(f"*{md_escape(title)}: {t('not_in_data', _STATE['lang'])}*"))
    return empty


def bar(
    df,
    x: str,
    y: str,
    title: str,
    xlabel: str,
    ylabel: str,
    pct: bool = False,
    horizontal: bool = False,
    ax=None,
):
    """A labelled bar chart of ``df[y]`` by ``df[x]`` (values printed on the bars). Given an
    ``ax``, the caller's figure: its layout is left to the caller, who lays it out once."""
    own = ax is None
    if own and absent(df, title):
        return None
    if own:
        _, ax = plt.subplots(figsize=_bar_size(df, horizontal))
    if horizontal:
        sns.barplot(data=df, y=x, x=y, ax=ax, color=sns.color_palette(PALETTE)[3], orient="h")
    else:
        sns.barplot(data=df, x=x, y=y, ax=ax, color=sns.color_palette(PALETTE)[3])
    ax.set_title(title)
    ax.set_xlabel(ylabel if horizontal else xlabel)
    ax.set_ylabel(xlabel if horizontal else ylabel)
    fmt = (
        (lambda v: f"{100 * v:.0f}%")
        if pct
        else (lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2f}")
    )
    for cont in ax.containers:
        ax.bar_label(cont, labels=[fmt(v) for v in cont.datavalues], fontsize=8, padding=2)
    if pct:
        axis = ax.xaxis if horizontal else ax.yaxis
        axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if not horizontal and len(df) > 6:
        ax.tick_params(axis="x", rotation=30)
    sns.despine(ax=ax)
    if own:
        ax.figure.tight_layout()
    return ax


def _bar_size(df, horizontal: bool) -> tuple[float, float]:
    """Inches of a bar chart of ``df``'s rows: horizontal bars grow with the rows."""
    return (8, max(3, 0.35 * len(df))) if horizontal else (8, 3.8)


def heatmap(
    table, title: str, xlabel: str, ylabel: str, fmt: str = ",.0f", ax=None, diverging: bool = False
):
    """An annotated heat map of a cross-tab (rows × columns); ``diverging`` for signed values
    (red below zero, blue above, white at zero)."""
    if table is None or table.size <= 1 or table.isna().all().all():
        absent(None, title)
        return None
    own = ax is None
    if own:
        _, ax = plt.subplots(
            figsize=(min(12, 1.2 * table.shape[1] + 3), 0.45 * table.shape[0] + 1.8)
        )
    if diverging:
        lim = float(np.nanmax(np.abs(table.to_numpy(dtype="float64")))) or 1.0
        sns.heatmap(
            table,
            annot=True,
            fmt=fmt,
            cmap="RdBu",
            center=0,
            vmin=-lim,
            vmax=lim,
            cbar=False,
            ax=ax,
            annot_kws={"fontsize": 8},
            linewidths=0.5,
            linecolor="#eeeeee",
        )
        ax.grid(False)
    else:
        sns.heatmap(
            table, annot=True, fmt=fmt, cmap=PALETTE, cbar=False, ax=ax, annot_kws={"fontsize": 8}
        )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    crowded = (
        sum(len(str(c)) for c in table.columns) > 90
    )  # column labels would run into each other
    ax.tick_params(axis="x", rotation=30 if crowded else 0)
    if crowded:
        plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.tick_params(axis="y", rotation=0)
    if own:  # given an ax, the caller lays its figure out once
        ax.figure.tight_layout()
    return ax


def profile(
    dist,
    title: str,
    ylabel_share: str,
    ylabel_value: str,
    value_col: int = 3,
    value_pct: bool = False,
):
    """Two panels for a banded distribution: share of customers, and a value per band
    (by default net spend per customer); ``dist`` is ``profiling.distribution``'s table."""
    if absent(dist, title):
        return None
    label, share, value = dist.columns[0], dist.columns[2], dist.columns[value_col]
    n = len(dist)
    horizontal = n > 7 or dist[label].astype(str).str.len().max() > 6
    fig, axes = plt.subplots(
        1, 2, figsize=(11, max(3.2, 0.32 * n + 1.2)) if horizontal else (11, 3.6)
    )
    bar(
        dist,
        label,
        share,
        ylabel_share,
        label,
        ylabel_share,
        pct=True,
        horizontal=horizontal,
        ax=axes[0],
    )
    bar(
        dist,
        label,
        value,
        ylabel_value,
        label,
        ylabel_value,
        pct=value_pct,
        horizontal=horizontal,
        ax=axes[1],
    )
    if horizontal:
        axes[1].set_ylabel("")
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def criteria(scan, chosen, titles: dict, xlabel: str):
    """One small panel per criterion of a k scan (``clustering.scan_k``), the chosen k marked."""
    cols = [c for c in titles if c in scan and scan[c].notna().any()]
    ncol = min(3, len(cols))  # two rows of three stay legible at phone width
    nrow = -(-len(cols) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol, 3.0 * nrow), squeeze=False)
    for ax in axes.flat[len(cols) :]:
        ax.set_visible(False)
    for ax, c in zip(axes.flat, cols):
        ax.plot(scan["k"], scan[c], marker="o", color=sns.color_palette(PALETTE)[4])
        if chosen is not None:
            ax.axvline(chosen, color="#c0392b", linestyle="--", linewidth=1)
        ax.set_title(titles[c], fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_xticks(list(scan["k"]))
        ax.ticklabel_format(axis="y", style="plain", useOffset=False) if c != "bic" else None
    fig.tight_layout()
    return fig


def segment_map(points, names: dict, title: str, xlabel: str, ylabel: str):
    """Scatter of customers on two components, coloured by segment, names at the centres."""
    fig, ax = plt.subplots(figsize=(9, 6))
    segs = sorted(points["segment"].unique())
    pal = sns.color_palette("tab10", n_colors=max(len(segs), 3))
    for i, s in enumerate(segs):
        p = points[points["segment"] == s]
        grey = s == 0
        ax.scatter(
            p["x"],
            p["y"],
            s=5,
            alpha=0.25 if grey else 0.45,
            color="#bbbbbb" if grey else pal[i % len(pal)],
            label=f"{s} · {names.get(s, s)}",
            rasterized=True,
        )  # as clustering.segment_label
        if not grey:
            ax.annotate(
                str(s),
                (p["x"].median(), p["y"].median()),
                fontsize=12,
                fontweight="bold",
                ha="center",
                va="center",
                bbox=dict(boxstyle="circle", fc="white", alpha=0.8),
            )
    ax.legend(
        loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, markerscale=3, frameon=False
    )
    return _finish(fig, ax, title, xlabel, ylabel)


def bars_with_lines(
    df,
    x: str,
    y: str,
    title: str,
    xlabel: str,
    ylabel: str,
    lines: dict | None = None,
    pct: bool = False,
):
    """A horizontal bar chart with labelled reference lines (e.g. stability thresholds)."""
    if absent(df, title):
        return None
    _, ax = plt.subplots(figsize=_bar_size(df, horizontal=True))
    bar(df, x, y, title, xlabel, ylabel, pct=pct, horizontal=True, ax=ax)
    for label, v in (lines or {}).items():
        ax.axvline(v, color="#c0392b", linestyle="--", linewidth=1)
        ax.text(
            v,
            1.0,
            label,
            color="#c0392b",
            fontsize=8,
            ha="center",
            va="bottom",
            transform=ax.get_xaxis_transform(),
        )
    ax.set_title(title, pad=16)
    ax.figure.tight_layout()
    return ax


def _finish(fig, ax, title: str, xlabel: str, ylabel: str):
    """Title, axis names, the house despine and layout: the last lines of every single-axis chart."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def lines(
    df,
    x: str,
    ys: dict,
    title: str,
    xlabel: str,
    ylabel: str,
    diagonal: str | None = None,
    pct: bool = False,
    markers: bool = True,
    integer_x: bool = False,
):
    """Lines of ``df[col]`` against ``df[x]``, one per ``ys`` item (legend label → column);
    ``diagonal`` draws and labels the y = x line (Lorenz curves, calibration plots)."""
    if absent(df, title):
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2))
    pal = sns.color_palette("deep")
    for i, (label, col) in enumerate(ys.items()):
        ax.plot(
            df[x],
            df[col],
            marker="o" if markers else None,
            markersize=4,
            label=label,
            color=pal[i % len(pal)],
        )
    if diagonal:
        lo, hi = 0, max(float(df[x].max()), max(float(df[c].max()) for c in ys.values()))
        ax.plot([lo, hi], [lo, hi], linestyle="--", color="#888888", linewidth=1, label=diagonal)
    if pct:
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if integer_x:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.legend(frameon=False)
    return _finish(fig, ax, title, xlabel, ylabel)


def grouped_bars(
    df, x: str, hue: str, y: str, title: str, xlabel: str, ylabel: str, pct: bool = True
):
    """Horizontal bars of ``df[y]`` per ``df[x]``, one colour per ``df[hue]`` (values printed)."""
    if absent(df, title):
        return None
    fig, ax = plt.subplots(figsize=(8, max(3, 0.6 * df[x].nunique() + 1.2)))
    sns.barplot(
        data=df,
        y=x,
        x=y,
        hue=hue,
        ax=ax,
        orient="h",
        palette=[sns.color_palette(PALETTE)[1], sns.color_palette(PALETTE)[4]],
    )
    fmt = (lambda v: f"{100 * v:.1f}%") if pct else (lambda v: f"{v:,.0f}")
    for cont in ax.containers:
        ax.bar_label(cont, labels=[fmt(v) for v in cont.datavalues], fontsize=8, padding=2)
    if pct:
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title, loc="left")
    ax.set_xlabel(ylabel)
    ax.set_ylabel(xlabel)
    ax.legend(title=None, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def histogram(values, title: str, xlabel: str, ylabel: str, log: bool = True, bins: int = 40):
    """Distribution of positive ``values`` (log-spaced bins and axis when ``log``)."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
    if absent(v, title):
        return None
    fig, ax = plt.subplots(figsize=(8, 3.6))
    edges = np.geomspace(v.min(), v.max(), bins + 1) if log and v.max() > v.min() else bins
    ax.hist(v, bins=edges, color=sns.color_palette(PALETTE)[3])
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:,.0f}" if x >= 1 else f"{x:g}")
        )
    return _finish(fig, ax, title, xlabel, ylabel)


def better_worse(
    df, label: str, title: str, xlabel: str, ylabel: str, quadrants: dict, size: str | None = None
):
    """Kano's Better–Worse map: |Worse| across, Better up, quadrants at 0.5 named by
    ``quadrants`` (keys A, O, M, I), one labelled point per feature (sized by ``size``)."""
    if absent(df, title):
        return None
    fig, ax = plt.subplots(figsize=(7.5, 6))
    x, y = df["worse"].abs(), df["better"]
    s = (
        60 + 240 * (df[size] - df[size].min()) / max(float(df[size].max() - df[size].min()), 1e-9)
        if size
        else 80
    )
    ax.scatter(x, y, s=s, color=sns.color_palette(PALETTE)[4], alpha=0.8, zorder=3)
    for xi, yi, name in zip(x, y, df[label]):
        ax.annotate(str(name), (xi, yi), xytext=(5, 4), textcoords="offset points", fontsize=9)
    ax.axvline(0.5, color="#888888", linewidth=1, linestyle="--")
    ax.axhline(0.5, color="#888888", linewidth=1, linestyle="--")
    for key, (qx, qy) in {
        "A": (0.02, 0.97),
        "O": (0.98, 0.97),
        "I": (0.02, 0.03),
        "M": (0.98, 0.03),
    }.items():
        ax.text(
            qx,
            qy,
            quadrants[key],
            transform=ax.transAxes,
            ha="left" if qx < 0.5 else "right",
            va="top" if qy > 0.5 else "bottom",
            fontsize=10,
            color="#c0392b",
            fontweight="bold",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    return _finish(fig, ax, title, xlabel, ylabel)


def forecast_panels(
    history: dict, forecasts: dict, title: str, ylabel: str, labels: dict, ncol: int = 2
):
    """One small panel per series: monthly history (``history[name]`` = Series indexed by
    month) and the forecast mean with its interval band (``forecasts[name]`` = frame with
    month, mean, lower, upper); ``labels`` names the lines (history, forecast, interval)."""
    names = [k for k in history if forecasts.get(k) is not None]
    if not names:
        return None
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(5.2 * ncol, 3.0 * nrow), squeeze=False, sharex=True
    )
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    pal = sns.color_palette("deep")
    for ax, name in zip(axes.flat, names):
        h, f = history[name], forecasts[name]
        ax.plot(h.index, h.to_numpy(), color=pal[0], label=labels["history"])
        ax.plot(
            f["month"], f["mean"], color=pal[1], marker="o", markersize=3, label=labels["forecast"]
        )
        ax.fill_between(
            f["month"], f["lower"], f["upper"], color=pal[1], alpha=0.2, label=labels["interval"]
        )
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.tick_params(axis="x", rotation=30, labelsize=8)
    axes.flat[0].legend(frameon=False, fontsize=8)
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


# The segment map's bubble labels, in points: large enough to read at phone width (the map is
# 5.2 in wide at 110 dpi, 572 px, shown at about 350 px on a 390 px phone: 14 pt reads as 13 px).
BUBBLE_LABEL_PT = 14


def _bubble_labels(centres, radii, size_pt: float, bounds=None, chars=None) -> list:
    """Where each bubble's label goes, as an offset from its centre in points: the centre while
    no label placed before it is in the way and no other bubble's rim runs through it, else the
    first spot outside its rim, turned away from its neighbours, clear of the labels placed, of
    every bubble and (``bounds``: x0, y0, x1, y1) of the axes' edges. The largest bubbles are
    labelled first; ``centres`` and ``radii`` are in points, ``chars`` the labels' lengths."""
    n = len(centres)
    chars = [1] * n if chars is None else list(chars)
    # half a label's box: bold digits are about 0.6 em wide and 1.2 em tall, with a margin
    hw = [0.3 * size_pt * max(k, 1) + 2 for k in chars]
    hh = 0.6 * size_pt + 1
    placed: list[tuple[np.ndarray, float]] = []
    offsets = [np.zeros(2)] * n

    def gap(p, c, w) -> tuple[float, float]:  # nearest and farthest distance of the box from c
        ax_, ay_ = abs(c[0] - p[0]), abs(c[1] - p[1])
        near = float(np.hypot(max(ax_ - w, 0.0), max(ay_ - hh, 0.0)))
        return near, float(np.hypot(ax_ + w, ay_ + hh))

    def free(p, i: int, own: bool) -> bool:
        w = hw[i]
        if any(abs(p[0] - q[0]) < w + qw + 2 and abs(p[1] - q[1]) < 2 * hh + 2 for q, qw in placed):
            return False
        if bounds is not None and not (
            bounds[0] + w <= p[0] <= bounds[2] - w and bounds[1] + hh <= p[1] <= bounds[3] - hh
        ):
            return False
        for j in range(n):
            near, far = gap(p, centres[j], w)
            if j == i and not own and near < radii[j]:  # outside: clear of its own bubble
                return False
            if j != i and (near < radii[j] < far if own else near < radii[j]):
                return False  # a rim through the label, or (outside) on another bubble
            if j != i and not own and abs(p[0] - centres[j][0]) < w + hw[j] + 2:
                if abs(p[1] - centres[j][1]) < 2 * hh + 2:
                    return False  # (outside) where another bubble's own label goes
        return True

    for i in np.argsort(-np.asarray(radii), kind="stable"):
        c = centres[i]
        if free(c, i, own=True):
            placed.append((c, hw[i]))
            continue
        away = np.zeros(2)
        for j in range(n):
            if j != i:
                d = c - centres[j]
                away += d / max(float(np.hypot(*d)), 1e-6) ** 2
        base = np.arctan2(away[1], away[0]) if np.hypot(*away) > 0 else np.pi / 2
        reach = np.hypot(hw[i], hh)
        spots = [
            c + (radii[i] + reach * step + 3) * np.array([np.cos(a), np.sin(a)])
            for step in (1, 1.8, 3)
            for k in range(16)
            for a in [base + (k + 1) // 2 * (1 if k % 2 else -1) * np.pi / 8]
        ]
        spot = next((q for q in spots if free(q, i, own=False)), spots[0])
        placed.append((spot, hw[i]))
        offsets[i] = spot - c
    return offsets


def segment_bubbles(
    x, y, size, risk, labels, names, title: str, xlabel: str, ylabel: str, colour: str
):
    """One bubble per segment: ``x`` customers, ``y`` spend per customer, area ∝ ``size``
    (revenue share), colour = ``risk`` (risk of no purchase, 0–1, named ``colour``), its short
    ``labels`` (rank) on it and the ``names`` listed below. Narrow, with large type, so that it
    reads at phone width; bubbles are whole inside the axes, the largest drawn first, and a
    label that would sit on another label moves just outside its bubble with a leader line
    (``_bubble_labels``), a white halo keeping it readable over a neighbour."""
    import textwrap

    from matplotlib import patheffects

    x, y, size, risk = (np.asarray(a, dtype=float) for a in (x, y, size, risk))
    cols = 2 if max((len(str(n)) for n in names), default=0) <= 10 else 1
    rows = -(-len(names) // cols)
    fig, (ax, cax, lax) = plt.subplots(
        3,
        1,
        figsize=(5.2, 5.6 + 0.32 * rows),
        gridspec_kw={"height_ratios": [4.2, 0.16, 0.32 * rows + 0.1], "hspace": 0.6},
    )
    fig.subplots_adjust(left=0.17, right=0.96, top=0.94, bottom=0.02)
    area = 1500 * np.nan_to_num(size) / max(np.nanmax(size), 1e-9) + 150  # points²
    radius = np.sqrt(area / np.pi)
    pt = 72 / fig.dpi
    box = ax.get_window_extent()
    pad = radius.max() + BUBBLE_LABEL_PT * 1.6  # room for the largest bubble and a label

    def limits(v, length_pt):
        lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
        span = max(hi - lo, abs(hi) * 0.1, 1.0)
        per_pt = span / max(length_pt - 2 * pad, length_pt * 0.3)
        return lo - pad * per_pt, hi + pad * per_pt

    ax.set_xlim(*limits(x, box.width * pt))
    ax.set_ylim(*limits(y, box.height * pt))
    order = np.argsort(-area, kind="stable")  # largest first: a small bubble stays on top
    sc = ax.scatter(
        x[order],
        y[order],
        s=area[order],
        c=risk[order],
        cmap="RdYlGn_r",
        vmin=0,
        vmax=1,
        alpha=0.75,
        edgecolors="#333",
        linewidths=0.8,
        zorder=2,
    )
    centres = ax.transData.transform(np.column_stack([x, y])) * pt
    bounds = np.asarray(ax.get_window_extent().extents) * pt
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for xi, yi, lab, off, r in zip(
        x,
        y,
        labels,
        _bubble_labels(centres, radius, BUBBLE_LABEL_PT, bounds, [len(str(v)) for v in labels]),
        radius,
    ):
        line = dict(
            arrowstyle="-", color="#555", linewidth=0.8, shrinkA=BUBBLE_LABEL_PT * 0.6, shrinkB=r
        )
        ax.annotate(
            lab,
            (xi, yi),
            xytext=tuple(off),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=BUBBLE_LABEL_PT,
            fontweight="bold",
            zorder=4,
            path_effects=halo,
            arrowprops=line if np.hypot(*off) > 0 else None,
        )
    whole = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 0 else "")
    ax.xaxis.set_major_formatter(whole)
    ax.yaxis.set_major_formatter(whole)  # no negative customers or spend on the axes
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
    ax.tick_params(labelsize=12)
    ax.set_title(title, fontsize=14)
    ax.set_xlabel(xlabel, fontsize=12)
    ax.set_ylabel(ylabel, fontsize=12)
    sns.despine(ax=ax)
    bar = fig.colorbar(sc, cax=cax, orientation="horizontal")
    bar.set_label(colour, fontsize=12)
    bar.ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    bar.ax.tick_params(labelsize=12)
    lax.axis("off")
    for k, n in enumerate(names):
        n = n[:25] + "…" if _cjk(n) and len(n) > 26 else textwrap.shorten(n, 44)
        lax.text(
            0.5 * (k // rows),
            1 - (k % rows + 0.5) / rows,
            n,
            fontsize=13,
            va="center",
            transform=lax.transAxes,
        )
    return fig


def value_bars(labels, values, title: str, fmt):
    """Horizontal bars of each priority's value at stake, largest on top, the amount printed
    on each; labels wrapped so that the chart reads at phone width."""
    import textwrap

    n = len(values)
    fig, ax = plt.subplots(figsize=(4.6, 0.8 + 0.6 * n))
    wrapped = [textwrap.fill(str(s), 10) if _cjk(s) else textwrap.fill(str(s), 22) for s in labels]
    pos = np.arange(n)[::-1]
    ax.barh(pos, values, color=sns.color_palette(PALETTE)[3])
    ax.set_yticks(pos, wrapped, fontsize=12)
    for p_, v in zip(pos, values):
        ax.text(v, p_, " " + fmt(v), va="center", fontsize=12)
    ax.set_xlim(0, max(values) * 1.45)
    ax.xaxis.set_visible(False)
    ax.grid(False)
    ax.set_title(title, fontsize=12)
    sns.despine(ax=ax, bottom=True)
    fig.tight_layout()
    return fig


def _cjk(s) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(s))
