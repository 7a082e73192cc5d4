"""Cases for test_runner only (no test_ prefix: no discovery runs them): one of each outcome a
scenario can have in the runner, and two that show each case is a process of its own."""
import os
import signal
import unittest

STATE = {"touched": False}


class Cases(unittest.TestCase):
    def test_passes(self):
        self.assertEqual(2, 1 + 1)

    def test_fails(self):
        print("said before failing")
        self.assertEqual(3, 1 + 1)

    def test_is_skipped(self):
        self.skipTest("needs what is not here")

    def test_is_killed(self):
        os.kill(os.getpid(), signal.SIGKILL)

    def test_touches_a_global(self):
        STATE["touched"] = True

    def test_sees_no_global_touched(self):
        self.assertFalse(STATE["touched"], "an earlier case's change reached this one")
