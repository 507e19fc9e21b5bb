"""Exit 0 only when every pinned distribution is installed at its pinned version and every
listed module imports: the install guard of the Makefile's venvs (`grpc-test-deps`, `bench-peer-deps`).

    python venv-check.py --pins 'tritonclient[grpc]==2.73.0' 'grpcio==1.81.1' ... --modules grpc numpy ...
"""
import argparse
import importlib
import importlib.metadata
import re
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pins", nargs="+", required=True, help="name[extra]==version")
    parser.add_argument("--modules", nargs="+", required=True)
    args = parser.parse_args()
    problems = []
    for pin in args.pins:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)", pin)
        if not match:
            problems.append(f"pin {pin!r} is not of the form name==version")
            continue
        name, _, wanted = match.groups()
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed (want {wanted})")
            continue
        if found != wanted:
            problems.append(f"{name} is {found}, want {wanted}")
    for module in args.modules:
        try:
            importlib.import_module(module)
        except Exception as error:  # any import failure means the venv needs reinstalling
            problems.append(f"import {module} failed: {error}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
