"""runner.py (through which Infra.Tests runs the scenario classes) tells each outcome apart and runs
every case in a process of its own: a failing, skipped or killed case is reported as such, with its
output, and the next case runs as if the earlier ones had not."""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class Runner(unittest.TestCase):
    def run_cases(self, *names):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(HERE), HERE]))
        env.pop("AWS_ENDPOINT_URL", None)  # the cases need no emulator
        proc = subprocess.run([sys.executable, "-m", "runner", "runner_cases"], cwd=HERE, env=env, text=True,
                              input="".join(f"runner_cases.Cases.{n}\n" for n in names), capture_output=True, timeout=120)
        self.assertEqual(0, proc.returncode, proc.stderr)
        lines = [json.loads(line) for line in proc.stdout.splitlines()]
        self.assertEqual({"ready": True}, lines[0])
        self.assertEqual([f"runner_cases.Cases.{n}" for n in names], [line["test"] for line in lines[1:]])
        return {line["test"].rsplit(".", 1)[1]: line for line in lines[1:]}

    def test_each_outcome_is_told_apart(self):
        got = self.run_cases("test_passes", "test_fails", "test_is_skipped", "test_is_killed", "test_passes")
        self.assertEqual((True, False), (got["test_passes"]["ok"], got["test_passes"]["skipped"]))
        self.assertEqual((False, False), (got["test_fails"]["ok"], got["test_fails"]["skipped"]))
        self.assertIn("said before failing", got["test_fails"]["output"])
        self.assertIn("AssertionError: 3 != 2", got["test_fails"]["output"])
        self.assertEqual((False, True), (got["test_is_skipped"]["ok"], got["test_is_skipped"]["skipped"]))
        self.assertEqual((False, False), (got["test_is_killed"]["ok"], got["test_is_killed"]["skipped"]))
        self.assertIn("ended with -9", got["test_is_killed"]["output"])

    def test_a_case_does_not_see_what_an_earlier_one_changed(self):
        got = self.run_cases("test_touches_a_global", "test_sees_no_global_touched")
        self.assertTrue(got["test_touches_a_global"]["ok"])
        self.assertTrue(got["test_sees_no_global_touched"]["ok"], got["test_sees_no_global_touched"]["output"])

    def test_an_unknown_case_fails(self):
        got = self.run_cases("test_no_such_case")
        self.assertFalse(got["test_no_such_case"]["ok"])


if __name__ == "__main__":
    unittest.main()
