"""The mutation score of each rule module, from the last `./dev mutants` run (mutmut's results in
mutants/): how many of a module's mutants the tests caught, leaving out the mutants judged unable to
change behaviour (tests/mutation_equivalent.toml, each with its reason). Prints a table and the
survivors (mutants judged in tests/mutation_equivalent.toml are counted under 'equiv.'); exits 1 when a module listed in [tool.mutmut] is under ``TARGET``.

    .venv-mutants/bin/python -m tests.mutation [--survivors]
    .venv-mutants/bin/python -m tests.mutation --names [module path]   # the survivors' names, to run again:
    ./dev mutants $(.venv-mutants/bin/python -m tests.mutation --names bot/deals/pool.py)
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.90

# mutmut's exit codes of a mutant's test run
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {-24, 24, 36, 152}


def equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour ([equivalent]), or why this run cannot see
    what it changes ([unmeasured]: row locks on SQLite, code run once at import)."""
    path = ROOT / "tests" / "mutation_equivalent.toml"
    judged = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {**judged.get("equivalent", {}), **judged.get("unmeasured", {})}


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["mutmut"]["paths_to_mutate"]


def results(module: str) -> dict[str, int | None]:
    meta = ROOT / "mutants" / (module + ".meta")
    return json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}


def kind(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    if code in TIMEOUT:
        return "timeout"  # the mutant made the tests hang: caught
    return "not run" if code is None else f"exit {code}"


def survivors(module: str, known: dict[str, str]) -> list[str]:
    return [name for name, code in results(module).items() if kind(code) in ("survived", "no tests") and name not in known]


def main(argv: list[str]) -> int:
    known = equivalents()
    if argv[:1] == ["--names"]:
        print("\n".join(name for module in (argv[1:] or modules()) for name in survivors(module, known)))
        return 0
    short = []
    print(f"{'module':<30} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} {'equiv.':>6} {'score':>6}")
    for module in modules():
        codes = results(module)
        counts = Counter(kind(code) for name, code in codes.items() if name not in known)
        equivalent = sum(1 for name in codes if name in known)
        judged = counts["killed"] + counts["timeout"] + counts["survived"] + counts["no tests"]
        score = (counts["killed"] + counts["timeout"]) / judged if judged else None
        shown = f"{score:.0%}" if score is not None else "—"
        print(
            f"{module:<30} {len(codes):>7} {counts['killed'] + counts['timeout']:>7} {counts['survived']:>8} {counts['no tests']:>8} {equivalent:>6} {shown:>6}"
        )
        if score is None or score < TARGET:
            short.append(module)
        if "--survivors" in argv:
            for name in survivors(module, known):
                print(f"    {kind(codes[name])}: {name}")
    if short:
        print(f"under {TARGET:.0%} (or not run): {', '.join(short)}")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
