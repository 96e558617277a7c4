"""Problems with a user's input, collected and reported together.

A ``Problem`` names the file, the row(s), the column, the value, what was expected and how
to fix it. ``InputError`` carries all problems of one intake, so a user fixes them in one
round instead of one per run. ``Problem.render`` gives the one-paragraph message a user reads.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Problem:
    file: str
    message: str
    fix: str = ""
    column: str | None = None
    rows: list[int] = field(default_factory=list)  # 1-based data rows as in the file (header = row 1)
    values: list[str] = field(default_factory=list)
    count: int = 0  # how many rows are affected in all (rows/values hold examples)

    def render(self) -> str:
        where = self.file
        if self.column:
            where += f", column '{self.column}'"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (and {self.count - len(self.rows[:5]):,} more)" if self.count > 5 else ""
            where += f", row{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        text = f"{where}: {self.message}"
        if self.values:
            text += " — e.g. " + ", ".join(repr(v) for v in self.values[:3])
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def to_dict(self) -> dict:
        return asdict(self)


class InputError(Exception):
    """The user's input cannot be used as it is; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input data; nothing was written."
        return head + "\n" + "\n".join(f"  - {p.render()}" for p in self.problems)
