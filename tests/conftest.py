"""Test-session settings shared by every test file.

The suite samples with PyTensor's C backend (model/inference.py COMPILE_MODE_ENV), which its
subprocesses inherit: `oomcast run` defaults to numba, whose cache load (~5 s per process) and
cold compile would be paid by each of the suite's many short subprocess fits. The numba path has
its own tests (tests/test_backend.py). Set OOMCAST_COMPILE_MODE=NUMBA to run the suite on numba.
"""

import os

#: model.inference.COMPILE_MODE_ENV (not imported here: collection stays free of the PyMC stack;
#: tests/test_backend.py checks the two names agree)
COMPILE_MODE_ENV = "OOMCAST_COMPILE_MODE"
os.environ.setdefault(COMPILE_MODE_ENV, "C")
