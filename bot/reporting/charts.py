"""Chart images for reports, drawn server-side with matplotlib (Agg, no display) as PNG bytes."""

from __future__ import annotations

import io
import threading

_lock = threading.Lock()  # pyplot keeps global state; draw one chart at a time
_cjk: bool | None = None


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def has_cjk_font() -> bool:
    """Whether a font that can draw Chinese is installed (else charts are labelled in English)."""
    global _cjk
    if _cjk is None:
        from matplotlib import font_manager

        names = {f.name for f in font_manager.fontManager.ttflist}
        found = [
            n
            for n in ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
            if n in names
        ]
        _cjk = bool(found)
        if found:
            import matplotlib

            matplotlib.rcParams["font.sans-serif"] = [found[0], *matplotlib.rcParams["font.sans-serif"]]
    return _cjk


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


def funnel(title: str, stages: list[tuple[str, int, float]]) -> bytes:
    """Open deals per stage as a funnel of horizontal bars (first stage on top), labelled with
    the count and amount."""
    with _lock:
        plt = _plt()
        has_cjk_font()
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
        has_cjk_font()
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
        has_cjk_font()
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
