"""Figures of the analysis scripts: matplotlib without a display (Agg), one
place to save them."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def figure(n_panels, width=4.2, height=3.2, columns=3):
    """A grid of n_panels axes (flat list; unused axes hidden)."""
    columns = min(columns, n_panels)
    rows = (n_panels + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    axes = list(axes.flat)
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


def save(fig, path, title=None):
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print("wrote", path)
