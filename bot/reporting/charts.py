"""Chart images for reports, drawn server-side with matplotlib (Agg, no display) as PNG bytes."""

from __future__ import annotations

import io
import threading
from decimal import Decimal
from pathlib import Path

from bot.core.money import format_amount, total_in

_lock = threading.Lock()  # pyplot keeps global state; draw one chart at a time
_font_ready = False


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


FONT = Path(__file__).with_name("fonts") / "OppbotCJKSans-Regular.otf"  # Noto Sans CJK SC, GB 2312 (fonts/OFL.txt)
FONT_FAMILY = "Oppbot CJK Sans"


def use_cjk_font() -> None:
    """Draw every label with the bundled font, which has Chinese as well as Latin letters: a chart
    reads the same on any server, whatever fonts it has."""
    global _font_ready
    if not _font_ready:
        import matplotlib
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(FONT))
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [FONT_FAMILY, *matplotlib.rcParams["font.sans-serif"]]
        matplotlib.rcParams["axes.unicode_minus"] = False  # the font's hyphen, not U+2212 (not in GB 2312)
        _font_ready = True


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


Panel = tuple[str, list[float]]  # a currency and its amounts, one per point on the x axis


def panels(values: list[dict[str, Decimal]], currency: str, rates: dict[str, Decimal]) -> list[Panel]:
    """The amounts to draw: one series in ``currency`` when every currency has a rate, else one
    per currency (``currency`` first), so no amount is dropped or mixed."""
    converted = [total_in(v, currency, rates) for v in values]
    if all(c is not None for c in converted):
        return [(currency, [float(c) for c in converted])]
    currencies = sorted({c for v in values for c in v} | {currency}, key=lambda c: (c != currency, c))
    return [(c, [float(v.get(c, 0)) for v in values]) for c in currencies]


def _amount_axis(ax, currency: str, lang: str) -> None:
    """Amounts as the reader counts them (¥500万, $1.2M), named by their currency."""
    ax.yaxis.set_major_formatter(lambda v, _: format_amount(Decimal(str(v)), currency, lang) if v >= 0 else "")
    ax.set_ylabel(currency)


def _plain(ax, *sides: str) -> None:
    for side in sides:
        ax.spines[side].set_visible(False)


def funnel(title: str, stages: list[tuple[str, int, str]], conversions: list[str | None], note: str) -> bytes:
    """Open deals per stage as a funnel: bars as wide as each stage's number of deals, centred,
    the first stage on top, each labelled with its count and amount; between two stages, the
    share of deals that moved on from the upper one in the period (``conversions``, one fewer
    than the stages; None where none left it), explained by ``note`` under the chart."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(7.5, 0.62 * len(stages) + 1.2))
        try:
            widest = max([c for _, c, _ in stages] or [1]) or 1
            for i, (_name, count, amount) in enumerate(stages):
                width = max(count, widest * 0.04)  # an empty stage still shows where it is
                ax.barh(-i, width, left=(widest - width) / 2, height=0.72, color="#2b7bb9" if count else "#c6dbef")
                inside = count > widest * 0.35
                ax.text(widest / 2, -i, f"{count} · {amount}", ha="center", va="center", fontsize=9, color="white" if inside else "black")
            for i, rate in enumerate(conversions):
                if rate is not None:
                    ax.text(widest * 1.02, -i - 0.5, f"↓ {rate}", ha="left", va="center", fontsize=8, color="#555555")
            ax.set_yticks([-i for i in range(len(stages))], [name for name, _, _ in stages])
            ax.set_xlim(0, widest * 1.16)
            ax.set_xticks([])
            ax.set_xlabel(note, fontsize=8, color="#555555")
            ax.set_title(title)
            _plain(ax, "top", "right", "bottom")
            return _png(fig)
        finally:
            plt.close(fig)


def forecast(
    title: str, months: list[str], panels: list[tuple[str, list[tuple[float, float, float]], float]], labels: tuple[str, str, str, str], lang: str
) -> bytes:
    """Per month: won, committed and weighted bars against the target line, one panel per
    currency (one alone when amounts are converted to the workspace currency); a panel's
    target is 0 where it has none."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, axes = plt.subplots(len(panels), 1, figsize=(8, 3.6 * len(panels)), squeeze=False)
        try:
            xs = list(range(len(months)))
            width = 0.27
            for (currency, bars, target), [ax] in zip(panels, axes, strict=True):
                ax.bar([x - width for x in xs], [b[0] for b in bars], width, label=labels[0], color="#2e8b57")
                ax.bar(xs, [b[1] for b in bars], width, label=labels[1], color="#2b7bb9")
                ax.bar([x + width for x in xs], [b[2] for b in bars], width, label=labels[2], color="#9ecae1")
                if target:
                    ax.axhline(target, color="#d62728", linestyle="--", linewidth=1, label=labels[3])
                ax.set_xticks(xs, months)
                _amount_axis(ax, currency, lang)
                ax.legend(fontsize=8, loc="upper right")
                _plain(ax, "top", "right")
            axes[0][0].set_title(title)
            fig.tight_layout()
            return _png(fig)
        finally:
            plt.close(fig)


def trend(title: str, weeks: list[str], counts: list[int], panels: list[Panel], labels: tuple[str, str], lang: str) -> bytes:
    """The open pipeline week by week: its amount as a line (one panel per currency, one alone
    when converted), the number of open deals as bars behind the first panel."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, axes = plt.subplots(len(panels), 1, figsize=(8, 3.8 * len(panels)), squeeze=False, sharex=True)
        try:
            xs = list(range(len(weeks)))
            for n, ((currency, amounts), [ax]) in enumerate(zip(panels, axes, strict=True)):
                handles = ax.plot(xs, amounts, marker="o", color="#2b7bb9", label=f"{labels[0]} ({currency})")
                _amount_axis(ax, currency, lang)
                if n == 0:
                    behind = ax.twinx()
                    handles += [behind.bar(xs, counts, color="#dbe9f6", label=labels[1])]
                    behind.set_ylabel(labels[1])
                    ax.set_zorder(behind.get_zorder() + 1)
                    ax.patch.set_visible(False)
                    _plain(behind, "top")
                ax.legend(handles=handles, fontsize=8, loc="upper left")
                _plain(ax, "top")
            axes[-1][0].set_xticks(xs, weeks, rotation=45, fontsize=8)
            axes[0][0].set_title(title)
            fig.tight_layout()
            return _png(fig)
        finally:
            plt.close(fig)


def ranking(title: str, bars: list[tuple[str, int, str]], xlabel: str) -> bytes:
    """A ranking as horizontal bars, the first on top: each bar as long as its count, labelled
    with the count and a note (the customer needs report: deals per need, their open value)."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(bars) + 1.3))
        try:
            longest = max([count for _, count, _ in bars] or [1]) or 1
            for i, (_name, count, note) in enumerate(bars):
                ax.barh(-i, count, height=0.66, color="#2b7bb9")
                ax.text(count + longest * 0.01, -i, f"{count} · {note}", ha="left", va="center", fontsize=8)
            ax.set_yticks([-i for i in range(len(bars))], [name for name, _, _ in bars])
            ax.set_xlim(0, longest * 1.35)
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_xlabel(xlabel, fontsize=9)
            ax.set_title(title)
            _plain(ax, "top", "right")
            return _png(fig)
        finally:
            plt.close(fig)


SOURCE_BARS = 12  # lead sources a chart draws (the report lists more)


def sources(title: str, names: list[str], counts: list[tuple[int, int, int]], labels: tuple[str, str, str], note: str) -> bytes:
    """Per lead source, top to bottom: its new, qualified and won deals as three bars side by side,
    each labelled with its number, and the share of new deals won at the end of the row
    (explained by ``note`` under the chart)."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(8, 0.75 * len(names) + 1.4))
        try:
            height = 0.26
            colors = ("#9ecae1", "#2b7bb9", "#2e8b57")
            widest = max([c for row in counts for c in row] or [1]) or 1
            for k, (label, color) in enumerate(zip(labels, colors, strict=True)):
                ys = [-i + (1 - k) * height for i in range(len(names))]
                values = [row[k] for row in counts]
                ax.barh(ys, values, height, color=color, label=label)
                for y, value in zip(ys, values, strict=True):
                    ax.text(value + widest * 0.01, y, str(value), va="center", fontsize=7)
            for i, (new, _, won) in enumerate(counts):
                if new:
                    ax.text(widest * 1.12, -i, f"{won / new:.0%}", va="center", ha="right", fontsize=9, color="#2e8b57")
            ax.set_yticks([-i for i in range(len(names))], names)
            ax.set_ylim(-len(names) + 0.5, 0.5)  # one source's bars as thick as many's
            ax.set_xlim(0, widest * 1.14)
            ax.set_xticks([])
            ax.set_xlabel(note, fontsize=8, color="#555555")
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)  # beside the bars, clear of the rates
            ax.set_title(title)
            _plain(ax, "top", "right", "bottom")
            return _png(fig)
        finally:
            plt.close(fig)


def attainment(title: str, people: list[tuple[str, float, float | None]], labels: tuple[str, str], currency: str, lang: str) -> bytes:
    """Won value per person (``people``: name, won, target or None) as horizontal bars, the most
    first, each person's target marked on their bar and the share of it reached written beside."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(8, 0.42 * len(people) + 1.4))
        try:
            ys = [-i for i in range(len(people))]
            ax.barh(ys, [won for _, won, _ in people], height=0.6, color="#2e8b57", label=labels[0])
            targets = [(y, target) for y, (_, _, target) in zip(ys, people, strict=True) if target]
            if targets:
                ax.scatter([t for _, t in targets], [y for y, _ in targets], marker="|", s=500, color="#d62728", zorder=3, label=labels[1])
            widest = max([max(won, target or 0) for _, won, target in people] or [1]) or 1
            for y, (_, won, target) in zip(ys, people, strict=True):
                note = format_amount(Decimal(str(won)), currency, lang) + (f" · {won / target:.0%}" if target else "")
                ax.text(max(won, target or 0) + widest * 0.02, y, note, va="center", fontsize=8)
            ax.set_yticks(ys, [name for name, _, _ in people])
            ax.set_xlim(0, widest * 1.3)
            ax.xaxis.set_major_formatter(lambda v, _: format_amount(Decimal(str(v)), currency, lang) if v >= 0 else "")
            ax.legend(fontsize=8, loc="lower right")
            ax.set_title(title)
            _plain(ax, "top", "right")
            return _png(fig)
        finally:
            plt.close(fig)


# --- the targets and forecast-accuracy reports: three bars per person, a mark across them ------

WON, COMMITTED, WEIGHTED = "#2e8b57", "#2b7bb9", "#9ecae1"
MARK = "#d62728"

# a panel: its currency, three amounts per person, and each person's mark (None: none)
PeoplePanel = tuple[str, list[tuple[float, float, float]], list[float | None]]


def people_bars(title: str, names: list[str], panels: list[PeoplePanel], labels: tuple[str, str, str, str], colours: tuple[str, str, str], lang: str) -> bytes:
    """Per person three bars (``labels[:3]``, in ``colours``) and a mark across them
    (``labels[3]``), one panel per currency; the legend under the panel, clear of the bars."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        width_in = max(6.0, 1.1 * len(names) + 2)
        fig, axes = plt.subplots(len(panels), 1, figsize=(width_in, 3.8 * len(panels)), squeeze=False)
        try:
            xs = list(range(len(names)))
            width = 0.27
            for (currency, bars, marks), [ax] in zip(panels, axes, strict=True):
                for k in range(3):
                    ax.bar([x + (k - 1) * width for x in xs], [b[k] for b in bars], width, label=labels[k], color=colours[k])
                marked = [(x, m) for x, m in zip(xs, marks, strict=True) if m]
                for n, (x, mark) in enumerate(marked):
                    ax.hlines(mark, x - 1.6 * width, x + 1.6 * width, colors=MARK, linestyles="--", linewidth=1.5, label=labels[3] if n == 0 else None)
                ax.set_xticks(xs, names, rotation=30 if len(names) > 6 else 0, fontsize=9)
                _amount_axis(ax, currency, lang)
                ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, frameon=False)
                _plain(ax, "top", "right")
            return _titled(fig, axes, title)
        finally:
            plt.close(fig)


def _titled(fig, axes, title: str) -> bytes:
    """The figure as PNG bytes, ``title`` over its first panel."""
    axes[0][0].set_title(title)
    fig.tight_layout()
    return _png(fig)
