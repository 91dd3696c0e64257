"""Run CPython's pickle suite against brinery and count per class.

    BRINERY_SUITE_MODE=allow|safe python python/tests/run_cpython_suite.py [--json OUT] [-v]

Prints one line per wired class (passed / failed / errors / skipped), the
failures with their first error line, and a closing ``N passed, N failed``
line. In ``safe`` mode a failure counts as *refused* when the test died of a
``brinery.UnsafeError`` (the loader refusing a global of the test module);
every other failure is listed as *other*.

Exit status: 0 when every failure is explained: in ``allow`` mode the
failures must be exactly those listed in ``expected_failures.json`` for this
mode and Python version (an unexpected failure or an unexpected pass both
fail the run); in ``safe`` mode the non-refused failures must be those of the
allow mode.
"""

import argparse
import json
import os
import sys
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cpython_suite  # noqa: E402

import brinery  # noqa: E402


class Result(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.rows = []  # (class, test, outcome, detail)

    def _name(self, test):
        cls = type(test).__name__
        name = getattr(test, "_testMethodName", str(test))
        return cls, name

    def addSuccess(self, test):
        super().addSuccess(test)
        self.rows.append((*self._name(test), "pass", ""))

    def _fail(self, test, err, kind):
        exc = err[1]
        refused = False
        e = exc
        while e is not None:
            if isinstance(e, brinery.UnsafeError):
                refused = True
                break
            e = e.__context__ or e.__cause__
        text = "".join(traceback.format_exception_only(err[0], exc)).strip().splitlines()
        detail = text[-1] if text else kind
        self.rows.append((*self._name(test), "refused" if refused else kind, detail[:300]))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "fail")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "error")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.rows.append((*self._name(test), "skip", reason))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.rows.append((*self._name(test), "pass", "expected failure"))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.rows.append((*self._name(test), "fail", "unexpected success"))

    def addSubTest(self, test, subtest, err):
        if err is not None:
            # Count a failing subtest as a failure of its test (once).
            if issubclass(err[0], test.failureException):
                self.addFailure(test, err)
            else:
                self.addError(test, err)
            self._sub_failed.add(test.id())

    def startTest(self, test):
        super().startTest(test)
        if not hasattr(self, "_sub_failed"):
            self._sub_failed = set()


class _Wrap(unittest.TestCase):
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    mode = cpython_suite.MODE
    loader = unittest.TestLoader()
    result = Result()
    result._sub_failed = set()
    for cls in cpython_suite.SUITE_CLASSES:
        suite = loader.loadTestsFromTestCase(cls)
        for test in suite:
            before = len(result.rows)
            test.run(result)
            # A test with failing subtests also reports success at the end:
            # keep only its failure rows.
            rows = result.rows[before:]
            if any(r[2] != "pass" for r in rows):
                result.rows[before:] = [r for r in rows if r[2] != "pass"][:1]
    per = {}
    for cls, name, outcome, detail in result.rows:
        c = per.setdefault(cls, {"pass": 0, "fail": 0, "error": 0, "refused": 0, "skip": 0})
        c[outcome] += 1
    v = sys.version_info
    print("CPython %d.%d.%d, mode=%s, brinery %s" % (v[0], v[1], v[2], mode, brinery.__version__))
    print("%-34s %6s %6s %6s %8s %6s" % ("class", "pass", "fail", "error", "refused", "skip"))
    tot = {"pass": 0, "fail": 0, "error": 0, "refused": 0, "skip": 0}
    for cls in cpython_suite.SUITE_CLASSES:
        c = per.get(cls.__name__, {"pass": 0, "fail": 0, "error": 0, "refused": 0, "skip": 0})
        for k in tot:
            tot[k] += c[k]
        print("%-34s %6d %6d %6d %8d %6d" % (cls.__name__, c["pass"], c["fail"], c["error"], c["refused"], c["skip"]))
    print("%-34s %6d %6d %6d %8d %6d" % ("total", tot["pass"], tot["fail"], tot["error"], tot["refused"], tot["skip"]))
    bad_outcomes = ("fail", "error") if mode == "safe" else ("fail", "error", "refused")
    failing = sorted("%s.%s" % (c, n) for c, n, o, _ in result.rows if o in bad_outcomes)
    refused = sorted("%s.%s" % (c, n) for c, n, o, _ in result.rows if o == "refused")
    if args.v or failing:
        for c, n, o, d in result.rows:
            if o in bad_outcomes or (args.v and o != "pass"):
                print("  %-7s %s.%s: %s" % (o, c, n, d))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "python": "%d.%d.%d" % (v[0], v[1], v[2]),
                    "mode": mode,
                    "per_class": per,
                    "total": tot,
                    "failing": failing,
                    "refused": refused,
                    "rows": result.rows,
                },
                f,
                indent=1,
            )
    # What is expected to fail (allow mode), recorded per Python minor.
    with open(os.path.join(HERE, "expected_failures.json")) as f:
        expected = json.load(f)
    key = "%d.%d" % (v[0], v[1])
    exp = sorted(expected.get(key, expected.get("default", [])))
    bad = False
    unexpected = sorted(set(failing) - set(exp))
    fixed = sorted(set(exp) - set(failing))
    if unexpected:
        bad = True
        print("UNEXPECTED failures (%d):" % len(unexpected))
        for t in unexpected:
            print("  " + t)
    if fixed and mode == "allow":
        bad = True
        print("expected to fail but passed (update expected_failures.json) (%d):" % len(fixed))
        for t in fixed:
            print("  " + t)
    npass = tot["pass"] + (tot["refused"] if mode == "safe" else 0)
    nfail = len(unexpected) + (len(fixed) if mode == "allow" else 0)
    if mode == "safe":
        print("safe mode: %d passed, %d refused with UnsafeError, %d other failures (known: %d)"
              % (tot["pass"], tot["refused"], len(failing), len(set(failing) & set(exp))))
    print("cpython-suite-%s: %d passed, %d failed, %d skipped" % (mode, npass, nfail, tot["skip"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
