"""Soak run: the watch daemon over hundreds of cycles of an evolving replay site, with faults, against the
same timeline without faults; the database and the mailbox must end up the same.

Run from the repository root: `.venv/bin/python bench/soak.py` (`--cycles N`, default 500; `--seed S`,
default a random one, printed first so a failure can be replayed; `--kill-phase crawl|delivery`, default
drawn from the seed). The machinery (site, fault plan, daemon process, comparison) is in
tests/reliability/soak_helpers.py, which `make test-slow` runs through tests/reliability/test_soak.py.
Exit status 0 when the two runs match (the one message of the duplicate window aside), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from tests.reliability.soak_helpers import SoakSpec, compare, figures, run_soak  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--seed", type=int, default=None, help="default: a random seed (printed)")
    parser.add_argument("--kill-phase", choices=("crawl", "delivery"), default=None)
    parser.add_argument("--workdir", type=Path, default=None, help="keep databases and logs here")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    print(f"soak: seed {seed}, {args.cycles} cycles", flush=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newswatch-soak-") as tmp:
        work = args.workdir or Path(tmp)

        def say(line: str) -> None:
            print(f"  {line}", flush=True)

        print("fault-free run...", flush=True)
        reference = run_soak(work / "reference", SoakSpec(args.cycles, seed, faults=False), log=say)
        print("run with faults...", flush=True)
        faulty = run_soak(work / "faulty", SoakSpec(args.cycles, seed, faults=True,
                                                    kill_phase=args.kill_phase), log=say)
        result = compare(reference, faulty)
    numbers = figures(reference, faulty, result)
    numbers["wall_seconds_total"] = round(time.monotonic() - began, 1)
    print(json.dumps(numbers, indent=1))
    for key in result.duplicates_in_window:
        print(f"duplicate inside the window (allowed once): {key}")
    beyond = list(result.duplicates)
    for key in result.duplicates_in_window:
        beyond.remove(key)
    for label, keys in (("DUPLICATE", beyond), ("LOST", result.lost), ("UNEXPECTED", result.unexpected)):
        for key in keys:
            print(f"{label}: {key}")
    for line in result.differences:
        print(f"DIFFERENCE: {line}")
    print("soak: " + ("the runs match" if result.ok else "THE RUNS DIFFER") + f" (seed {seed})")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
