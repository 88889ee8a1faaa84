import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from gae_helpers.plots import figures as plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


IMAGES = torch.rand(6, 1, 8, 8)
NAMES = ["a", "b", "c"]
CASES = {
    "grid": lambda path: plots.plot_image_grid(IMAGES, captions=list("uvwxyz"), ncols=3,
                                               title="t", path=path),
    "rows": lambda path: plots.plot_image_rows([IMAGES[:3], IMAGES[3:5]], ["r1", "r2"],
                                               title="t", path=path),
    "loss": lambda path: plots.plot_loss_curve([0.5, 0.3, 0.2], path=path),
    "kl": lambda path: plots.plot_kl_heatmap(np.random.rand(3, 3), NAMES, path=path),
    "confusion": lambda path: plots.plot_confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2], NAMES,
                                                          path=path),
    "histograms": lambda path: plots.plot_histograms({"x": np.random.randn(50),
                                                      "y": np.random.randn(50) - 3}, "v", "t",
                                                     path=path),
}


@pytest.mark.parametrize("name", CASES)
def test_each_plot_returns_its_figure_and_saves_a_png(name, tmp_path):
    path = tmp_path / "out" / f"{name}.png"
    fig = CASES[name](path)
    assert isinstance(fig, Figure)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert isinstance(CASES[name](None), Figure)


def test_grid_uses_one_cell_per_image():
    fig = plots.plot_image_grid(torch.zeros(5, 1, 28, 28), ncols=5)
    shown = fig.axes[0].images[0].get_array()
    assert shown.shape == (28 + 4, 5 * 30 + 2)  # make_grid's 2-pixel padding
