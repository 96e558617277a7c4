"""Problems with a user's input, collected and reported together, in Chinese or English.

A ``Problem`` names the file, the row(s), the column, the value, what was expected and how
to fix it. ``InputError`` carries all problems of one intake, so a user fixes them in one
round instead of one per run. Problems are made with ``Problem.of(key, file, **args)``: the
message and the fix are templates ``err.<key>`` / ``fix.<key>`` of the message catalogue
(``kequn.lang.i18n``), so ``render('zh')`` and ``render('en')`` say the same thing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Problem:
    file: str
    message: str
    fix: str = ""
    column: str | None = None
    rows: list[int] = field(
        default_factory=list
    )  # 1-based data rows as in the file (header = row 1)
    values: list[str] = field(default_factory=list)
    count: int = 0  # how many rows are affected in all (rows/values hold examples)
    key: str = ""  # catalogue template of message and fix
    args: dict = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        key: str,
        file: str,
        column: str | None = None,
        rows=(),
        values=(),
        count: int = 0,
        **args,
    ) -> "Problem":
        from kequn.data.privacy import (
            mask_examples,  # examples of bad values are shown: no personal data
        )

        p = cls(
            str(file),
            "",
            "",
            column,
            [int(r) for r in rows],
            mask_examples(values),
            int(count),
            key,
            args,
        )
        p.message, p.fix = p.texts("en")
        return p

    def texts(self, lang: str) -> tuple[str, str]:
        """Message and fix in ``lang``."""
        if not self.key:
            return self.message, self.fix
        from kequn.lang.i18n import expectation, t

        args = dict(self.args)
        if "expect_kind" in args:
            args["expect"] = expectation(
                args.pop("expect_kind"),
                args.pop("lo", None),
                args.pop("hi", None),
                lang,
                args.pop("expect_values", None),
            )
        return t(f"err.{self.key}", lang).format(**args), t(f"fix.{self.key}", lang).format(**args)

    def render(self, lang: str = "en") -> str:
        message, fix = self.texts(lang)
        zh = lang == "zh"
        where = self.file
        if self.column:
            where += f"，字段“{self.column}”" if zh else f", column '{self.column}'"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            extra = self.count - len(self.rows[:5])
            if zh:
                where += f"，第 {shown} 行" + (f"（另有 {extra:,} 行）" if extra > 0 else "")
            else:
                more = f" (and {extra:,} more)" if extra > 0 else ""
                where += f", row{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        text = f"{where}: {message}"
        if self.values:
            text += ("——例如 " if zh else " — e.g. ") + ", ".join(repr(v) for v in self.values[:3])
        if fix:
            text += f"\n    {'修改' if zh else 'fix'}: {fix}"
        return text

    def to_dict(self) -> dict:
        return asdict(self)


class InputError(Exception):
    """The user's input cannot be used as it is; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.render())

    def head(self, lang: str) -> str:
        n = len(self.problems)
        if lang == "zh":
            return f"输入数据有 {n} 个问题，未写入任何文件。"
        return f"{n} problem{'s' if n != 1 else ''} in the input data; nothing was written."

    def render(self, lang: str = "en") -> str:
        return self.head(lang) + "\n" + "\n".join(f"  - {p.render(lang)}" for p in self.problems)


class SettingsError(InputError):
    """The run's settings (config file, notebook parameters) cannot be used: raised before any
    work, so nothing was read or written."""

    def head(self, lang: str) -> str:
        n = len(self.problems)
        if lang == "zh":
            return f"设置有 {n} 个问题，运行没有开始。"
        return f"{n} problem{'s' if n != 1 else ''} in the settings; the run did not start."


def tell_in(lang: str) -> None:
    """Inside a Jupyter kernel (a stage notebook's first cell): an ``InputError`` raised by any
    later cell shows as its problems in ``lang`` — file, row, fix — instead of a traceback, and
    ``kequn.run.runner`` passes that same text on to the user. Outside IPython it does nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def told(self, etype, value, tb, tb_offset=None):
        stb = [value.render(lang)]
        self._showtraceback(etype, value, stb)  # IPython leaves showing it to the handler
        return stb

    shell.set_custom_exc((InputError,), told)


def check_settings(rules) -> None:
    """One ``InputError`` naming every setting that breaks its rule: ``rules`` holds
    (name, value, ok, rule in words) per setting, ``ok`` whether the value keeps the rule.
    Each stage lists its rules; this says them all at once, before any work."""
    problems = [
        Problem.of("bad_setting", "config", name=name, value=value, rule=rule)
        for name, value, ok, rule in rules
        if not ok
    ]
    if problems:
        raise InputError(problems)
