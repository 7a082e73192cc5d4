"""scripts/benchmark-planner.py still runs, on a tiny lab, and its cases plan what they say they time.
It times nothing here: the benchmark asserts no time, and neither does a test."""
import contextlib
import importlib.util
import io
import os
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scripts", "benchmark-planner.py")


def load():
    spec = importlib.util.spec_from_file_location("benchmark_planner", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PlannerBenchmark(unittest.TestCase):
    def test_it_prints_a_row_per_case_and_size(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(0, load().main(["--runs", "1", "--sizes", "2,12"]))
        rows = [line for line in out.getvalue().splitlines() if line.startswith("| ") and "---" not in line][1:]
        self.assertEqual(["first deploy", "first deploy", "replace all, maxSurge 10", "replace all, maxSurge 10",
                          "upgrade all, maxSurge 10", "upgrade all, maxSurge 10"], [r.split(" | ")[0][2:] for r in rows])
        self.assertEqual(["5", "15"] * 3, [r.split(" | ")[1] for r in rows])

    def test_its_cases_plan_what_they_say(self):
        bench = load()
        first = bench.plan(*bench.case_first(12))
        self.assertEqual(["prepare", "reset-stale", "cluster", "wait-ready", "record"], [a.kind for a in first.actions])
        replace = bench.plan(*bench.case_replace(12))
        joins = [a for a in replace.actions if a.detail == "successors join first"]
        self.assertEqual([10, 2], [len(a.hosts) for a in joins], "every worker replaced, 10 at a time")
        self.assertEqual(12, sum(len(a.hosts) for a in replace.actions if a.detail == "replaced"))
        upgrade = bench.plan(*bench.case_upgrade(12))
        self.assertEqual(1, sum(a.kind == "upgrade-control-plane" for a in upgrade.actions))
        self.assertEqual([10, 2], [len(a.hosts) for a in upgrade.actions if a.kind == "upgrade"])


if __name__ == "__main__":
    unittest.main()
