import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from gae_helpers.plots import latent as plots_latent
from gae_helpers.mixtures.classifier import GMMClassifier

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def plane():
    rng = np.random.default_rng(0)
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    codes = np.vstack([rng.normal(c, 0.7, size=(100, 2)) for c in centres])
    labels = np.repeat([0, 1, 2], 100)
    gmm = GMMClassifier(n_components=2, reg_covar=0.01, random_state=0).fit(codes, labels)
    weights = torch.from_numpy(rng.normal(size=(2, 36))).float()

    def decode(z):  # a stand-in decoder: 2-d codes to 6x6 images in [0, 1]
        z = torch.as_tensor(np.asarray(z), dtype=torch.float32)
        return torch.sigmoid(z @ weights).reshape(-1, 1, 6, 6)

    return codes, labels, gmm, decode


def test_latent_plane_draws_codes_contours_and_a_decoded_grid(plane, tmp_path):
    codes, labels, gmm, decode = plane
    path = tmp_path / "plane.png"
    fig = plots_latent.plot_latent_plane(codes, labels, gmm, decode, ["a", "b", "c"],
                                         grid_size=7, path=path)
    assert isinstance(fig, Figure)
    assert path.read_bytes().startswith(PNG)
    ax_codes, ax_images = fig.axes[:2]
    assert len(ax_codes.collections) >= 3 + 3  # one scatter plus one contour set per class
    assert ax_images.images[0].get_array().shape == (7 * 7, 7 * 7)  # 6x6 + a 1-pixel line
    # the right panel spans the same window as the left one
    assert ax_images.get_xlim() == pytest.approx(ax_codes.get_xlim())
    assert [t.get_text() for t in ax_codes.get_legend().get_texts()] == ["a", "b", "c"]


def test_latent_plane_decodes_the_top_left_corner_first(plane):
    codes, labels, gmm, decode = plane
    fig = plots_latent.plot_latent_plane(codes, labels, gmm, decode, ["a", "b", "c"],
                                         grid_size=3)
    ax_images = fig.axes[1]
    (x0, x1), (y0, y1) = ax_images.get_xlim(), ax_images.get_ylim()
    cell = (x1 - x0) / 3, (y1 - y0) / 3
    corner = decode(np.array([[x0 + cell[0] / 2, y1 - cell[1] / 2]]))[0, 0].numpy()
    np.testing.assert_allclose(ax_images.images[0].get_array()[:6, :6], corner, atol=1e-6)


def test_latent_plane_refuses_codes_that_are_not_2d(plane):
    _, labels, gmm, decode = plane
    with pytest.raises(ValueError, match="latent_dim=2"):
        plots_latent.plot_latent_plane(np.zeros((300, 4)), labels, gmm, decode, ["a", "b", "c"])
    with pytest.raises(ValueError, match="not among the classes"):
        codes = plane[0]
        plots_latent.plot_latent_plane(codes, labels + 5, gmm, decode, ["a", "b", "c"])


def test_latent_projection_side_by_side(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 50)
    models = {"wide": (rng.normal(size=(150, 16)) + labels[:, None], labels),
              "narrow": (rng.normal(size=(150, 3)) - labels[:, None], labels),
              "one-d": (rng.normal(size=(150, 1)), labels)}
    path = tmp_path / "projection.png"
    fig = plots_latent.plot_latent_projection(models, ["a", "b", "c"], path=path)
    assert path.read_bytes().startswith(PNG)
    panels = [ax for ax in fig.axes if ax.collections]
    assert [ax.get_title() for ax in panels] == ["wide (16-d codes)", "narrow (3-d codes)",
                                                 "one-d (1-d codes)"]
    assert "of variance" in panels[0].get_xlabel()
    assert len(panels[0].collections[0].get_offsets()) == 150
    # the same colour for a class in every panel
    first = [tuple(c) for c in panels[0].collections[0].get_facecolors()]
    assert len(set(first)) == 3


def test_latent_projection_tsne_on_a_subsample():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 60)
    fig = plots_latent.plot_latent_projection({"m": (rng.normal(size=(120, 5)), labels)},
                                              ["x", "y"], method="tsne", max_points=80)
    assert len(fig.axes[0].collections[0].get_offsets()) == 80
    assert fig.axes[0].get_xlabel() == "t-SNE 1"


def test_latent_projection_refuses_bad_input():
    with pytest.raises(ValueError, match="Unknown method"):
        plots_latent.plot_latent_projection({"m": (np.zeros((10, 3)), np.zeros(10))}, ["a"],
                                            method="umap")
    with pytest.raises(ValueError, match="class indices"):
        plots_latent.plot_latent_projection({"m": (np.random.rand(10, 3), np.arange(10))},
                                            ["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        plots_latent.plot_latent_projection({}, ["a"])
