"""Wall time per phase of a command, so that every run shows where its time went.

`oomcast run` records {phase: seconds} in posterior.nc's posterior attrs as the JSON string
`oomcast_phase_wall_s` (PHASE_ATTR) and prints `PhaseTimes.line()` on the terminal. The times
are never written into summary.json, which must stay byte-identical for the same seed.
Phases are timed with time.perf_counter, in the order they ran; a phase entered twice adds up.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

#: The posterior attr that holds the phase times (a JSON object, seconds rounded to 1 ms).
PHASE_ATTR = "oomcast_phase_wall_s"


@dataclass
class PhaseTimes:
    """Seconds per named phase, in first-entered order."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def total_s(self) -> float:
        return sum(self.seconds.values())

    def as_attr(self) -> str:
        """The JSON string stored under PHASE_ATTR (netCDF attrs hold strings and numbers)."""
        return json.dumps({k: round(v, 3) for k, v in self.seconds.items()})

    def line(self) -> str:
        """One line for the terminal: `time: load 0.4 s, sample 30.1 s, ... (total 40.2 s)`."""
        parts = ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in self.seconds.items())
        return f"time: {parts} (total {self.total_s():.1f} s)"


def phases_of(attrs) -> dict[str, float]:
    """The phase times recorded in a group's attrs ({} for a run written before they were)."""
    text = attrs.get(PHASE_ATTR)
    return json.loads(text) if isinstance(text, str) else {}
