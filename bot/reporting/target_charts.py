"""Chart images for the targets and forecast-accuracy reports: per person, three bars side by
side (won / committed / weighted against the target; commit / weighted forecast against what was
won), with each person's target marked, one panel per currency (one alone when converted)."""

from __future__ import annotations

from bot.reporting.charts import _amount_axis, _lock, _plain, _plt, _png, use_cjk_font

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
