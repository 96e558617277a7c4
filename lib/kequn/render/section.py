"""A section of a stage's report as a value: what one call in a notebook returns and the next
line displays.

A stage notebook narrates: a markdown cell (zh and en side by side, ``kequn.render.narration``)
says why the step is there, then one call such as ``sv.rfm_section(vt, v, lang)`` returns a
``Section`` and the cell's last line shows it. Which sentence to say when an input is missing,
which table to leave out, is decided in the stage function that builds the section, never in a
notebook cell.

A ``Section`` is a list of parts shown in order through ``kequn.render.show`` (so headings,
sentences and tables look exactly as every other page's) and charts from
``kequn.render.plotting``, drawn when the section is shown: a chart appears where it stands in the
section, and a chart with nothing to draw says so in its place (``plotting.absent``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kequn.lang.i18n import t
from kequn.render import show


@dataclass
class Section:
    """Headings, sentences, tables, facts and charts, shown in the order they were added.

    ``values`` holds what the stage computed on the way that a later cell needs (the summary
    figures, an action list); showing the section never changes them.
    """

    parts: list[tuple[str, tuple, dict]] = field(default_factory=list)
    values: dict = field(default_factory=dict)

    # ---- building (each returns the section, so calls chain)
    def _add(self, kind: str, *args, **kw) -> Section:
        self.parts.append((kind, args, kw))
        return self

    def heading(self, key: str, lang: str, level: int = 3) -> Section:
        """A heading from the catalogue (``show.heading``)."""
        return self._add("heading", key, lang, level=level)

    def text(self, key: str, lang: str) -> Section:
        """A sentence from the catalogue, as written (``show.text``)."""
        return self._add("text", key, lang)

    def markdown(self, s: str) -> Section:
        """A sentence composed in lib with values from the data: escaped (``show.markdown``)."""
        return self._add("markdown", s)

    def notes(self, sentences) -> Section:
        """Each of ``sentences`` (composed in lib) as its own paragraph."""
        for s in sentences:
            self.markdown(s)
        return self

    def table(self, df: pd.DataFrame | None, **kw) -> Section:
        """A table (``show.table``: ``max_rows``, ``index``, ``pct``)."""
        return self._add("table", df, **kw)

    def facts(self, pairs: dict) -> Section:
        return self._add("facts", pairs)

    def html(self, fragment: str) -> Section:
        """An HTML fragment composed and escaped in lib."""
        return self._add("html_block", fragment)

    def caveats(self, items: list[str], lang: str) -> Section:
        return self._add("caveats", items, lang)

    def chart(self, draw, *args, **kw) -> Section:
        """A chart: ``draw(*args, **kw)``, a ``kequn.render.plotting`` function, called when the
        section is shown."""
        return self._add("chart", draw, *args, **kw)

    def extend(self, other: Section | None) -> Section:
        """``other``'s parts after this section's (and its values)."""
        if other is not None:
            self.parts.extend(other.parts)
            self.values.update(other.values)
        return self

    # ---- reading (tests, analysts)
    def tables(self) -> list[pd.DataFrame]:
        return [a[0] for kind, a, _ in self.parts if kind == "table" and a[0] is not None]

    def sentences(self) -> list[str]:
        """The section's text in order: headings, sentences and fact labels and values."""
        out = []
        for kind, a, kw in self.parts:
            if kind in ("heading", "text"):
                out.append(t(a[0], a[1]))
            elif kind == "markdown":
                out.append(a[0])
            elif kind == "facts":
                out.extend(f"{k}: {v}" for k, v in a[0].items())
        return out

    def charts(self) -> int:
        return sum(kind == "chart" for kind, _, _ in self.parts)

    def __len__(self) -> int:
        return len(self.parts)

    # ---- showing
    def show(self) -> None:
        from IPython.display import display

        for kind, a, kw in self.parts:
            if kind == "chart":
                import matplotlib.pyplot as plt
                from matplotlib.figure import Figure

                drawn = a[0](*a[1:], **kw)  # a figure, an Axes, or None: nothing to draw
                fig = drawn if drawn is None or isinstance(drawn, Figure) else drawn.figure
                if fig is not None:
                    display(fig)
                    plt.close(fig)
            else:
                getattr(show, kind)(*a, **kw)

    def _ipython_display_(self) -> None:
        self.show()
