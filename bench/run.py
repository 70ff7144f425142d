"""Run shopfloor's benchmarks: `python bench/run.py [NAME ...]`, all of them by default.

Each benchmark is a script `bench/<name>.py` that prints `name=value` lines, with ratios
against a ceiling it measures in the same run (these machines are noisy; absolute figures
drift). Tools read the names, so they are a contract.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"run", "common", "__init__"}
BENCHMARKS = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in NOT_BENCHMARKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {BENCHMARKS})")
    args = parser.parse_args(argv)
    names = [n for arg in args.names for n in arg.split()] or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    failed = 0
    for name in names:
        print(f"# {name}", flush=True)
        failed |= subprocess.call([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
