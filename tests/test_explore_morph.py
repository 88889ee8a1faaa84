"""The morph explorer (gae_helpers/explore/morph.py): the line between two classes' codes and
the mixtures' verdict along it, "none" by a ClassOutlierDetector."""

import copy

import numpy as np

from gae_helpers import explore
from test_explore_base import fitted, new_explorer  # noqa: F401 (fitted: a fixture)


def test_morph_moves_along_the_line(fitted):  # noqa: F811
    ex = new_explorer(explore.MorphExplorer, fitted, start=1, end=7)
    pngs, probas = {ex.static_png()}, [ex.proba]
    for t in (0.0, 1.0):
        ex.position.value = t
        pngs.add(ex.static_png())
        probas.append(ex.proba)
    assert len(pngs) == 3
    assert not np.allclose(probas[1], probas[2])
    ex.position.value = 0.0
    np.testing.assert_allclose(ex.code, ex.start_code)
    np.testing.assert_allclose(ex.proba, fitted.gmm.predict_proba(ex.start_code[None])[0])
    ex.position.value = 1.0
    np.testing.assert_allclose(ex.code, ex.end_code)
    end = ex.end_code.copy()
    ex.end_dropdown.value = 3  # another class: its end point is drawn again
    assert not np.allclose(ex.end_code, end)
    ex.end_dropdown.value = 7  # seeded: the same class gives the same end point back
    np.testing.assert_allclose(ex.end_code, end)
    ex.redraw_button.click()
    assert not np.allclose(ex.end_code, end)
    assert ex.rejected is not None and ex.errors == []


def test_morph_marks_none_when_rejected(fitted):  # noqa: F811
    none = copy.deepcopy(fitted.none)
    none.thresholds_ = np.full(len(fitted.gmm.classes_), np.inf)  # everything is "none"
    ex = explore.MorphExplorer(fitted.decode, fitted.gmm, fitted.names, none=none, start=0,
                               end=1)
    assert ex.rejected is True
    assert "GMMs say none (nearest" in ex.summary()
    assert ex._bars.bars[-1].get_width() == 1.0
    # no rule for "none": no "none" row at all
    ex = explore.MorphExplorer(fitted.decode, fitted.gmm, fitted.names, start=0, end=1)
    assert ex.rejected is None and len(ex._bars.bars) == len(fitted.names)
    assert "none" not in ex.summary()


def test_morph_caption_says_the_rule_of_none(fitted):  # noqa: F811
    ex = new_explorer(explore.MorphExplorer, fitted)
    shown = " ".join(t.get_text().replace("\n", " ") for t in ex._fig.texts)
    assert fitted.none.describe() in shown
    assert "held-out 0.01 quantile (ClassOutlierDetector)" in shown
    assert "held-out" in explore.MorphExplorer.__doc__ and "section 8's image score" in shown
    # the rule it states is the one it applies: per-class likelihood thresholds
    loglik = fitted.gmm.class_log_likelihood(ex.code[None])[0]
    best = int(np.argmax(ex.proba))
    assert ex.rejected == bool(loglik[best] < fitted.none.thresholds_[best])
    ex = explore.MorphExplorer(fitted.decode, fitted.gmm, fitted.names)  # no rule to state
    assert not any("'none'" in t.get_text() for t in ex._fig.texts)
