"""Row-chunked work on threads (model/row_chunks.py): the same numbers as a serial loop, bit for
bit, and a clear error for a bad thread count."""

from __future__ import annotations

import numpy as np
import pytest

from model import requirement
from model.row_chunks import THREADS_ENV, map_row_chunks, thread_count


def test_threads_give_the_serial_result_bit_for_bit(monkeypatch):
    rng = np.random.default_rng(3)
    h, k = rng.normal(0, 3, (1000, 37)), rng.normal(0, 2, (1000, 1))
    rho = rng.uniform(0.05, 0.99, (1000, 1))

    def rows_cdf(rows):
        return requirement.bivariate_normal_cdf(h[rows], k[rows], rho[rows])

    serial = requirement.bivariate_normal_cdf(h, k, rho)
    monkeypatch.setenv(THREADS_ENV, "3")
    threaded = map_row_chunks(rows_cdf, 1000, 64, np.full(h.shape, np.nan))
    assert np.array_equal(threaded, serial)  # every row filled, none left NaN


def test_the_draws_axis_can_be_any_axis(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "2")
    out = map_row_chunks(lambda rows: np.arange(rows.start, rows.stop)[None, :] * [[1], [10]],
                         11, 4, np.zeros((2, 11)), axis=1)
    assert np.array_equal(out, np.arange(11)[None, :] * [[1], [10]])


def test_a_chunk_that_fails_raises_in_the_caller(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "2")

    def fails_on_second(rows):
        if rows.start >= 5:
            raise ValueError("chunk two")
        return np.zeros(rows.stop - rows.start)

    with pytest.raises(ValueError, match="chunk two"):
        map_row_chunks(fails_on_second, 10, 5, np.zeros(10))


@pytest.mark.parametrize("text", ["0", "-2", "two"])
def test_a_bad_thread_count_is_a_clear_error(monkeypatch, text):
    monkeypatch.setenv(THREADS_ENV, text)
    with pytest.raises(ValueError, match=f"{THREADS_ENV} must be a positive integer"):
        thread_count()


def test_the_per_anchor_cdfs_do_not_depend_on_the_thread_count(monkeypatch):
    from model.forecast import arrival_cdf_by_anchor, arrival_grid_years
    from model.scenario import load_scenario
    from model.summary import REPORT_YEARS
    from tests.test_summary import parameter_draws, stand_in_run

    scenario = load_scenario("default")
    rng = np.random.default_rng(8)
    full, _ = stand_in_run(scenario, parameter_draws(scenario, 300, rng), rng)
    grid = arrival_grid_years(2025.83, scenario.horizon_year, REPORT_YEARS)
    monkeypatch.setenv(THREADS_ENV, "1")
    serial = arrival_cdf_by_anchor(full, scenario, 2025.83, grid, chunk=70)
    monkeypatch.setenv(THREADS_ENV, "2")
    threaded = arrival_cdf_by_anchor(full, scenario, 2025.83, grid, chunk=70)
    assert np.array_equal(serial, threaded)
