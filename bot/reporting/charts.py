"""Chart images for reports, drawn server-side with matplotlib (Agg, no display) as PNG bytes."""

from __future__ import annotations

import io
import threading
from pathlib import Path

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


def funnel(title: str, stages: list[tuple[str, int, float]]) -> bytes:
    """Open deals per stage as a funnel of horizontal bars (first stage on top), labelled with
    the count and amount."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(7, 0.55 * len(stages) + 1.2))
        try:
            labels = [s for s, _, _ in stages][::-1]
            counts = [c for _, c, _ in stages][::-1]
            amounts = [a for _, _, a in stages][::-1]
            widest = max(counts or [1]) or 1
            lefts = [(widest - c) / 2 for c in counts]
            ax.barh(labels, counts, left=lefts, color="#2b7bb9")
            for i, (c, a) in enumerate(zip(counts, amounts, strict=True)):
                ax.text(widest / 2, i, f"{c}  ·  {a:,.0f}", ha="center", va="center", color="white" if c > widest * 0.3 else "black", fontsize=9)
            ax.set_xticks([])
            ax.set_title(title)
            for side in ("top", "right", "bottom"):
                ax.spines[side].set_visible(False)
            return _png(fig)
        finally:
            plt.close(fig)


def forecast(title: str, months: list[tuple[str, float, float, float]], target: float, labels: tuple[str, str, str, str]) -> bytes:
    """Per month: won, committed and weighted bars, and the target as a line."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(8, 4))
        try:
            xs = range(len(months))
            width = 0.27
            ax.bar([x - width for x in xs], [m[1] for m in months], width, label=labels[0], color="#2e8b57")
            ax.bar(list(xs), [m[2] for m in months], width, label=labels[1], color="#2b7bb9")
            ax.bar([x + width for x in xs], [m[3] for m in months], width, label=labels[2], color="#9ecae1")
            if target:
                ax.axhline(target, color="#d62728", linestyle="--", linewidth=1, label=labels[3])
            ax.set_xticks(list(xs), [m[0] for m in months])
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
            ax.set_title(title)
            ax.legend(fontsize=8)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            return _png(fig)
        finally:
            plt.close(fig)


def trend(title: str, points: list[tuple[str, float, int]]) -> bytes:
    """The open pipeline over time: amount as a line, the number of deals as bars behind it."""
    with _lock:
        plt = _plt()
        use_cjk_font()
        fig, ax = plt.subplots(figsize=(8, 4))
        try:
            xs = list(range(len(points)))
            counts = ax.twinx()
            counts.bar(xs, [p[2] for p in points], color="#dbe9f6", zorder=0)
            counts.set_ylabel("#")
            ax.set_zorder(counts.get_zorder() + 1)
            ax.patch.set_visible(False)
            ax.plot(xs, [p[1] for p in points], marker="o", color="#2b7bb9")
            ax.set_xticks(xs, [p[0] for p in points], rotation=45, fontsize=8)
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
            ax.set_title(title)
            for side in ("top",):
                ax.spines[side].set_visible(False)
            return _png(fig)
        finally:
            plt.close(fig)
