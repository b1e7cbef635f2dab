"""The mutation score of each rule module, from the last `./dev mutants` run (mutmut's results in
mutants/): how many of a module's mutants the tests caught, leaving out the mutants judged unable to
change behaviour (tests/mutation_equivalent.toml, each with its reason). Prints a table and the
survivors (mutants judged in tests/mutation_equivalent.toml are counted under 'equiv.'); exits 1 when a module listed in [tool.mutmut] is under ``TARGET``.

    .venv-mutants/bin/python -m tests.mutation [--survivors]
    .venv-mutants/bin/python -m tests.mutation --names [module path]   # the survivors' names, to run again:
    ./dev mutants $(.venv-mutants/bin/python -m tests.mutation --names bot/deals/pool.py)

After a whole run, keep it (``--save``: tests/mutation_results.json, in git), change code and tests, then run again
only what could have changed: the survivors of functions left as they were and every mutant of the
functions changed since (``--rerun`` prints those names and globs). mutmut keeps no earlier result
in a new run, so the report takes a mutant's result from the kept run when the new run did not
run it and its function is unchanged.

    .venv-mutants/bin/python -m tests.mutation --save
    ./dev mutants $(.venv-mutants/bin/python -m tests.mutation --rerun)
"""

from __future__ import annotations

import ast
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "tests" / "mutation_results.json"  # the last runs' results, kept by --save (in git)
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


def _codes(base: Path, module: str) -> dict[str, int | None]:
    meta = base / (module + ".meta")
    return json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}


def function_of(name: str) -> str:
    """bot.deals.pool.x_claim__mutmut_3 -> x_claim (xǁClassǁmethod for a method)."""
    return name.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[1]


def bodies(source: str, *, mutated: bool) -> dict[str, str]:
    """Each function's body (the lines after its ``def``), by mutmut's name for it: from a mutants
    file (its ``x_name__mutmut_orig``), or from the module itself (``name`` is ``x_name``, a
    method ``xǁClassǁname``)."""
    lines = source.splitlines()

    def body(node) -> str:
        return "\n".join(lines[node.body[0].lineno - 1 : node.end_lineno])

    tree = ast.parse(source)
    if mutated:
        return {n.name.removesuffix("__mutmut_orig"): body(n) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.endswith("__mutmut_orig")}
    found = {}
    for node in tree.body:  # mutmut leaves decorated functions and classes alone
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.decorator_list:
            found[f"x_{node.name}"] = body(node)
        elif isinstance(node, ast.ClassDef) and not node.decorator_list:
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) and not method.decorator_list:
                    found[f"xǁ{node.name}ǁ{method.name}"] = body(method)
    return found


def _functions(path: Path, *, mutated: bool) -> dict[str, str]:
    return bodies(path.read_text(encoding="utf-8"), mutated=mutated) if path.exists() else {}


def _kept() -> dict:
    """{module: {"bodies": {function: body as run}, "codes": {mutant: exit code}}} of the kept runs."""
    return json.loads(KEPT.read_text(encoding="utf-8")) if KEPT.exists() else {}


def unchanged(module: str) -> set[str]:
    """The functions of ``module`` whose code is the same now as in the kept run."""
    before = _kept().get(module, {}).get("bodies", {})
    now = _functions(ROOT / module, mutated=False)
    return {f for f, body in before.items() if now.get(f) == body}


def results(module: str) -> dict[str, int | None]:
    """Each mutant's exit code for the code as it is now: the last run's, else the kept run's when
    the function is the same in both; None ("not run") for a function changed since it was run."""
    tested = _functions(ROOT / "mutants" / module, mutated=True)  # the code the last run mutated
    codes = _codes(ROOT / "mutants", module)
    previous = _kept().get(module, {})
    before, kept = previous.get("bodies", {}), previous.get("codes", {})
    if not codes:  # no run here since: the kept one, as it was run
        tested, codes = before, dict(kept)
    for name, code in codes.items():
        function = function_of(name)
        if code is None and function in before and before[function] == tested.get(function):
            codes[name] = kept.get(name)
    now = _functions(ROOT / module, mutated=False)
    return {name: code if now.get(function_of(name)) == tested.get(function_of(name)) else None for name, code in codes.items()}


def save() -> None:
    """Keep the last run in tests/mutation_results.json (in git, so the next run, on any machine,
    can continue from it): the code of each function as it was mutated and each mutant's result
    as the report reads it (this run's, else the one kept before when its function is unchanged)."""
    kept = _kept()
    for module in modules():
        if (ROOT / "mutants" / (module + ".meta")).exists():
            kept[module] = {"bodies": _functions(ROOT / "mutants" / module, mutated=True), "codes": results(module)}
    KEPT.write_text(json.dumps(kept, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")


def rerun(known: dict[str, str]) -> list[str]:
    """Against the kept run: its survivors and the mutants it did not reach in unchanged functions,
    and a glob for every mutant of each function changed or added since."""
    out = []
    for module in modules():
        same, kept = unchanged(module), _kept().get(module, {}).get("codes", {})
        out += [n for n, c in kept.items() if function_of(n) in same and kind(c) in ("survived", "no tests", "not run") and n not in known]
        prefix = module.removesuffix(".py").replace("/", ".")
        now = bodies((ROOT / module).read_text(encoding="utf-8"), mutated=False)
        out += [f"{prefix}.{f}__mutmut_*" for f in sorted(now) if f not in same]
    return out


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
    if argv[:1] == ["--save"]:
        save()
        return 0
    if argv[:1] == ["--rerun"]:
        print("\n".join(rerun(known)))
        return 0
    if argv[:1] == ["--names"]:
        print("\n".join(name for module in (argv[1:] or modules()) for name in survivors(module, known)))
        return 0
    short = []
    print(f"{'module':<30} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} {'equiv.':>6} {'not run':>7} {'score':>6}")
    for module in modules():
        codes = results(module)
        counts = Counter(kind(code) for name, code in codes.items() if name not in known)
        equivalent = sum(1 for name in codes if name in known)
        judged = counts["killed"] + counts["timeout"] + counts["survived"] + counts["no tests"]
        score = (counts["killed"] + counts["timeout"]) / judged if judged else None
        shown = f"{score:.0%}" if score is not None else "—"
        print(
            f"{module:<30} {len(codes):>7} {counts['killed'] + counts['timeout']:>7} {counts['survived']:>8} {counts['no tests']:>8} {equivalent:>6}"
            f" {counts['not run']:>7} {shown:>6}"
        )
        if score is None or score < TARGET or counts["not run"]:
            short.append(module)
        if "--survivors" in argv:
            for name in survivors(module, known):
                print(f"    {kind(codes[name])}: {name}")
    if short:
        print(f"under {TARGET:.0%} (or not run): {', '.join(short)}")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
