#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""run.py: the whole test suite of renkei, as `make test` runs it.

Groups, each counted test case by test case:
  unit  every cmocka executable registered with meson in each build directory (TAP output)
  api   the black-box HTTP/CLI suite of tests/api/, once per build directory, against
        <build>/src/cli/renkei (ASan/UBSan options set; the harness fails a test whose
        server printed a sanitizer report)
  fuzz  tests/fuzz/run.sh when present (lines `fuzz <name>: ok|FAIL`)

The last line printed is always `N passed, N failed` (then `, N skipped` when some were
skipped); the exit status is 0 iff nothing failed. Python standard library only.

Usage: tests/run.py [--only unit|api|fuzz] [--build DIR]... [-k PATTERN] [-v]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BUILDS = ["build", "build-asan"]
UNIT_TIMEOUT = 120
API_TIMEOUT = 900
FUZZ_TIMEOUT = 1800
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
    # A data race stops the process (build-tsan, `make tsan`): the harness then fails the test.
    "TSAN_OPTIONS": "halt_on_error=1:exitcode=66:second_deadlock_stack=1",
}


def sanitizer_env():
    """SAN_ENV, with TSAN_OPTIONS from the environment when set (e.g. log_path=... to
    collect every report of a run instead of stopping at the first)."""
    env = dict(SAN_ENV)
    if os.environ.get("TSAN_OPTIONS"):
        env["TSAN_OPTIONS"] = os.environ["TSAN_OPTIONS"]
    return env


TAP_RE = re.compile(r"^(not ok|ok)\s+(\d+)\s*(?:-\s*)?(.*)$")


class Tally:
    """Counts of one group plus the failures' details."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []  # (name, detail)

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures.extend(other.failures)

    def fail(self, name, detail):
        self.failed += 1
        self.failures.append((name, detail))

    def summary(self):
        s = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            s += ", %d skipped" % self.skipped
        return s


def tail(text, lines=40):
    """The last lines of text (for failure details)."""
    parts = text.rstrip().splitlines()
    if len(parts) > lines:
        parts = ["[... %d lines cut ...]" % (len(parts) - lines)] + parts[-lines:]
    return "\n".join(parts)


def parse_tap(out):
    """Returns ([(ok, skipped, name, diagnostics)], planned) from cmocka's TAP output."""
    results = []
    planned = 0
    for line in out.splitlines():
        m = re.match(r"^1\.\.(\d+)", line)
        if m:
            planned += int(m.group(1))
            continue
        m = TAP_RE.match(line)
        if m:
            name = m.group(3).strip()
            skipped = "# SKIP" in line.upper()
            if skipped:
                name = re.sub(r"(?i)#\s*skip\s*-?\s*", "", name).strip()
            results.append([m.group(1) == "ok", skipped, name or "#" + m.group(2), []])
            continue
        if results and line[:1] in ("\t", " ", "#") and not line.startswith("# ok - ") \
                and not line.startswith("# not ok - "):
            results[-1][3].append(line.strip())
    return results, planned


def unit_tests_of(build):
    """The meson-registered tests of build dir (list of dicts with name, cmd), or raises."""
    out = subprocess.run(["meson", "introspect", build, "--tests"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError("meson introspect %s --tests failed: %s" % (build, out.stderr.strip()))
    tests = json.loads(out.stdout)
    return [t for t in tests if not any(s.endswith(":fuzz") for s in t.get("suite", []))]


def run_unit(build, verbose):
    """Runs every cmocka test binary of build; returns a Tally."""
    tally = Tally()
    try:
        tests = unit_tests_of(build)
    except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
        tally.fail("unit[%s]" % build, str(e))
        return tally
    env = dict(os.environ)
    env.update(sanitizer_env())
    env["CMOCKA_MESSAGE_OUTPUT"] = "TAP"
    for t in tests:
        binary = os.path.basename(t["cmd"][0])
        env_t = dict(env)
        env_t.update(t.get("env") or {})
        label = "unit[%s] %s" % (build, binary)
        try:
            p = subprocess.run(t["cmd"], cwd=ROOT, env=env_t, capture_output=True,
                               timeout=UNIT_TIMEOUT)
            out = p.stdout.decode("utf-8", "replace")
            err = p.stderr.decode("utf-8", "replace")
            rc = p.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            err = (e.stderr or b"").decode("utf-8", "replace")
            rc = "timeout after %d s" % UNIT_TIMEOUT
        except OSError as e:
            tally.fail(label, "cannot run: %s" % e)
            continue
        results, planned = parse_tap(out)
        bad = 0
        for ok, skipped, name, diag in results:
            if skipped:
                tally.skipped += 1
            elif ok:
                tally.passed += 1
            else:
                bad += 1
                tally.fail("%s: %s" % (label, name), "\n".join(diag) or tail(err))
            if verbose:
                print("  %s %s: %s" % ("skip" if skipped else "ok" if ok else "FAIL", label, name))
        if not results:
            tally.fail(label, "no TAP output; exit %s\n%s" % (rc, tail(out + err)))
        elif rc != 0 and bad == 0:
            # all reported cases passed, yet the binary failed: crash, leak, missing cases
            why = "exit %s after %d of %d planned cases" % (rc, len(results), planned)
            tally.fail(label, why + "\n" + tail(err))
        elif len(results) < planned:
            tally.fail(label, "only %d of %d planned cases reported" % (len(results), planned))
    return tally


def api_worker(pattern, verbose):
    """Runs tests/api in this process and prints one JSON line per case (worker mode)."""
    import unittest

    sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % pattern if "*" not in pattern else pattern]
    suite = loader.discover(os.path.join(ROOT, "tests", "api"), pattern="test_*.py",
                            top_level_dir=os.path.join(ROOT, "tests", "api"))

    def emit(outcome, test, detail=""):
        sys.__stdout__.write(json.dumps({"outcome": outcome, "test": str(test.id()
                             if hasattr(test, "id") else test), "detail": detail}) + "\n")
        sys.__stdout__.flush()

    class Result(unittest.TestResult):
        def __init__(self):
            super().__init__()
            self.t0 = 0.0

        def startTest(self, test):
            super().startTest(test)
            self.t0 = time.monotonic()

        def addSuccess(self, test):
            super().addSuccess(test)
            emit("ok", test, "%.2fs" % (time.monotonic() - self.t0))

        def addFailure(self, test, err):
            super().addFailure(test, err)
            emit("fail", test, self._exc_info_to_string(err, test))

        def addError(self, test, err):
            super().addError(test, err)
            emit("fail", test, self._exc_info_to_string(err, test))

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            emit("skip", test, reason)

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            emit("ok", test, "expected failure")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            emit("fail", test, "unexpected success")

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                emit("fail", subtest, self._exc_info_to_string(err, subtest))

    # output of the tests themselves goes to stderr, our protocol owns stdout
    sys.stdout = sys.stderr
    result = Result()
    try:
        suite.run(result)
    except Exception:  # noqa: BLE001 - report anything the loader or a fixture raised
        emit("fail", "tests/api", traceback.format_exc())
    return 0


def run_api(build, pattern, verbose):
    """Runs the API suite against build/src/cli/renkei in a child process; returns a Tally."""
    tally = Tally()
    binary = os.path.join(ROOT, build, "src", "cli", "renkei")
    label = "api[%s]" % build
    if not os.access(binary, os.X_OK):
        tally.fail(label, "no executable %s" % binary)
        return tally
    env = dict(os.environ)
    env.update(sanitizer_env())
    env["RENKEI_BIN"] = binary
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cmd = [sys.executable, os.path.abspath(__file__), "--api-worker"]
    if pattern:
        cmd += ["-k", pattern]
    seen = 0
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=API_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        tally.fail(label, "suite timed out after %d s" % API_TIMEOUT)
    for line in out.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        seen += 1
        name = "%s %s" % (label, rec["test"])
        if rec["outcome"] == "ok":
            tally.passed += 1
        elif rec["outcome"] == "skip":
            tally.skipped += 1
        else:
            tally.fail(name, rec["detail"])
        if verbose:
            print("  %s %s %s" % (rec["outcome"], name,
                                  rec["detail"] if rec["outcome"] != "fail" else ""))
    if p.returncode != 0:
        tally.fail(label, "test process exit %s\n%s" % (p.returncode, tail(err)))
    elif seen == 0 and not pattern:
        tally.fail(label, "no test cases ran\n%s" % tail(err))
    return tally


def run_fuzz(verbose):
    """Runs tests/fuzz/run.sh if present; returns a Tally (None if absent)."""
    script = os.path.join(ROOT, "tests", "fuzz", "run.sh")
    if not os.path.exists(script):
        return None
    tally = Tally()
    try:
        p = subprocess.run(["bash", script], cwd=ROOT, capture_output=True, text=True,
                           timeout=FUZZ_TIMEOUT)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, rc = "", "timeout after %d s" % FUZZ_TIMEOUT
    seen = 0
    for line in out.splitlines():
        m = re.match(r"^fuzz (\S+):\s*(ok|FAIL)\b(.*)$", line.strip())
        if not m:
            continue
        seen += 1
        if m.group(2) == "ok":
            tally.passed += 1
        else:
            tally.fail("fuzz %s" % m.group(1), (m.group(3).strip() + "\n" + tail(err, 20)).strip())
        if verbose:
            print("  " + line.strip())
    if seen == 0:
        tally.fail("fuzz", "tests/fuzz/run.sh printed no results (exit %s)\n%s" % (rc, tail(out + err)))
    elif rc != 0 and tally.failed == 0:
        tally.fail("fuzz", "tests/fuzz/run.sh exit %s\n%s" % (rc, tail(err)))
    return tally


def progress(group, tally, seconds):
    print("%-24s %s (%.1fs)" % (group, tally.summary(), seconds), flush=True)


def main():
    ap = argparse.ArgumentParser(description="Run every renkei test and count the cases.")
    ap.add_argument("--only", choices=["unit", "api", "fuzz"])
    ap.add_argument("--build", action="append", metavar="DIR",
                    help="build directory (repeatable; default build and build-asan)")
    ap.add_argument("-k", metavar="PATTERN", help="only API tests whose id matches")
    ap.add_argument("-v", action="store_true", help="print every case")
    ap.add_argument("--api-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.api_worker:
        return api_worker(args.k, args.v)

    builds = args.build or DEFAULT_BUILDS
    total = Tally()
    groups = [args.only] if args.only else ["unit", "api", "fuzz"]
    for group in groups:
        if group == "fuzz":
            t0 = time.monotonic()
            t = run_fuzz(args.v)
            if t is None:
                print("%-24s absent (tests/fuzz/run.sh)" % "fuzz", flush=True)
                continue
            progress("fuzz", t, time.monotonic() - t0)
            total.add(t)
            continue
        for build in builds:
            if not os.path.isdir(os.path.join(ROOT, build)):
                t = Tally()
                t.fail("%s[%s]" % (group, build), "build directory %s does not exist" % build)
            else:
                t0 = time.monotonic()
                t = run_unit(build, args.v) if group == "unit" else run_api(build, args.k, args.v)
                progress("%s[%s]" % (group, build), t, time.monotonic() - t0)
            total.add(t)
    if total.failures:
        print("\nFailures:")
        for name, detail in total.failures:
            print("--- FAIL %s" % name)
            if detail:
                print("    " + detail.rstrip().replace("\n", "\n    "))
        print()
    print(total.summary(), flush=True)
    return 0 if total.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
