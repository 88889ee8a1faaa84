"""The styles explorer (gae_helpers/explore/styles.py): a component's first principal axis."""

import numpy as np

from gae_helpers import explore
from gae_helpers.measure.sampling import principal_axis
from test_explore_base import fitted, new_explorer  # noqa: F401 (fitted: a fixture)


def test_styles_position_zero_is_the_component_mean(fitted):  # noqa: F811
    ex = new_explorer(explore.StylesExplorer, fitted, class_label=4)
    weights = fitted.gmm.gmms_[4].weights_
    options = [value for _, value in ex.component_dropdown.options]
    assert list(weights[options]) == sorted(weights, reverse=True)
    assert ex.component_dropdown.value == options[0]
    for component in options:
        ex.component_dropdown.value = component
        ex.position.value = 0.0
        mean = fitted.gmm.gmms_[4].means_[component]
        np.testing.assert_allclose(ex.code, mean)
        np.testing.assert_allclose(ex.image_array, fitted.decode(mean[None])[0, 0].numpy(),
                                   atol=1e-6)
        png = ex.static_png()
        ex.position.value = 2.0
        _, v1, std = principal_axis(fitted.gmm.gmms_[4], component)
        np.testing.assert_allclose(ex.code - mean, 2.0 * std * v1)
        assert ex.static_png() != png
    ex.class_dropdown.value = 6  # the component list follows the class, heaviest first
    assert ex.component_dropdown.value == int(np.argmax(fitted.gmm.gmms_[6].weights_))
    assert ex.summary().startswith("Styles explorer: class 6, component 1 of 2 by weight")
    assert ex.errors == []
