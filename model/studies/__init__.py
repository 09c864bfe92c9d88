"""Studies built on fitted runs: prior sensitivity, scenario sweeps (and later SBC, backtests).

    cache.py        content hashes and the on-disk result cache
    executor.py     map a function over tasks on Dask, with caching, failures and progress
    rundir.py       load a finished run directory with its scenario (checked by SHA-256)
    sensitivity.py  power-scaling sensitivity (Kallioinen et al. 2023) of a run
    sweep.py        sweep specs, variants, answering a variant by reweighting or refitting
    sbc.py          simulation-based calibration (compile once, swap data)
    backtest.py     fits before cutoffs, scores of later observations
    ppc.py          posterior predictive checks and LOO-PIT of a run
    reference.py    the reference posterior and the comparison rule
"""
