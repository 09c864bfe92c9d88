"""Report text and figure helpers that need no sampling: calendar dates, the citation line,
when HDIs are hidden, rank-plot ties."""

import datetime
from types import SimpleNamespace

import pytest

from model.data import decimal_year
from model.report.headline import HDI_MAX_P_AFTER_HORIZON, hdi_hidden_reason
from model.report.render import citation_text, date_text, interval_rows


@pytest.mark.parametrize("iso", ["2025-11-01", "2024-02-29", "2023-12-31", "2020-01-01"])
def test_date_text_inverts_decimal_year(iso):
    assert date_text(decimal_year(iso)) == iso


def _headline(p_after: float) -> dict:
    bound = {"value": 2030.0, "after_horizon": False, "mcse": 0.1}
    open_end = {"value": None, "after_horizon": True, "mcse": None}
    iv = {"prob": 0.8, "lower": bound, "upper": open_end if p_after > 0.1 else bound}
    return {"horizon_year": 2100.0, "median": bound, "equal_tailed": [iv], "hdi": [iv],
            "p_after_horizon": {"p": p_after, "mcse": 0.001}, "p_by_year": {}}


def test_hdis_are_hidden_with_a_reason_only_when_much_mass_is_after_the_horizon():
    assert hdi_hidden_reason(_headline(HDI_MAX_P_AFTER_HORIZON - 0.01)) is None
    assert interval_rows(_headline(0.01))[1][3] == "2030.0 – 2030.0"
    reason = hdi_hidden_reason(_headline(0.10))
    assert "10% of the draws arrive after 2100" in reason
    assert interval_rows(_headline(0.10))[1][3] == "not shown (see below)"


def test_citation_has_calendar_dates_and_the_package_version():
    attrs = {"oomcast_scenario": "default", "oomcast_scenario_sha256": "ab" * 32,
             "oomcast_cutoff_year": decimal_year("2025-11-01"), "oomcast_seed": 7,
             "oomcast_data_vintages": '{"frontier_compute": "2025-11-03"}',
             "oomcast_git_commit": "0123456789abcdef"}
    report = SimpleNamespace(attrs=attrs, headline={"n_draws": 4000})
    text = citation_text(report, today=datetime.date(2026, 12, 1))
    assert "published 2026-12-01" in text and "data cutoff 2025-11-01" in text
    assert text.startswith("oomcast 0.1.0,") and "2025.83" not in text


def test_rank_plot_ties_at_the_horizon_are_ranked_at_random():
    import numpy as np

    from model.report.figures import ranks_ties_at_random

    rng = np.random.default_rng(1)
    x = rng.uniform(2026, 2100, size=(4, 2000))
    x[rng.random(x.shape) < 0.3] = 2101.0  # 30% after the horizon, censored: one tied value
    ranks = ranks_ties_at_random(x)
    assert sorted(ranks.ravel()) == list(range(x.size))
    finite = x < 2101
    # order is kept among distinct values, and every tied draw ranks above them
    assert np.all(np.argsort(x[finite]) == np.argsort(ranks[finite]))
    assert ranks[~finite].min() > ranks[finite].max()
    # under good mixing each chain's ranks are uniform: the last of 20 bars holds ~5% of a
    # chain's draws, not the 30% tied block that one shared rank would put there
    top_bar = ranks >= x.size * 0.95
    assert np.all(np.abs(top_bar.mean(axis=1) - 0.05) < 0.02)


def test_ppc_flags_follow_the_binomial_range_and_the_loo_pit_p_value():
    from model.studies.ppc import stream_flags

    ok = {"n": 400, "inside_50": 0.5, "inside_90": 0.9, "loo_pit_ks_p": 0.5}
    assert stream_flags(ok) == []
    # 2.58 sqrt(0.09 / 400) = 3.9 pp: 93% passes, 94% is flagged
    assert stream_flags(ok | {"inside_90": 0.93}) == []
    [flag] = stream_flags(ok | {"inside_90": 0.94})
    assert flag == "94.0% inside the 90% interval (expected 90% ± 3.9%)"
    assert "LOO-PIT not uniform" in stream_flags(ok | {"loo_pit_ks_p": 0.01})[0]
    assert stream_flags({"n": 1, "inside_50": 1.0, "inside_90": 1.0, "loo_pit_ks_p": 0.0}) == []
