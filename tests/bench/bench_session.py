#!/usr/bin/python3
"""Benchmark of saving a whole session (issue 4, "Numbers to report"). Not a test: it prints a table measured
in one run and exits non-zero only if it could not measure.

For each workload a script runs under `suspendable run`, builds its state in __main__, then, in that same
process and on the same objects, alternately (best of --runs):

  suspendable  `suspendable.checkpoint(path)`: the real product path (frames + globals through the graph
               pickler, out-of-band buffers, signed atomic write, fsync of file and directory);
  pickle       `pickle.dump(state, f, protocol=5)` to a file, then flush + fsync + close (the same objects;
               names plain pickle cannot save at all - lambdas, closures - are left out and listed);
  dill         last, once: `dill.dump_session(f)` (python3-dill) + flush + fsync, stopped by SIGALRM after
               --dill-cap seconds (reported as ">N s"); a failure is reported with its reason.

Each measurement: gc.collect(), os.sync(), reset the RSS high-water mark (`5` > /proc/self/clear_refs), VmRSS before,
time.perf_counter() around the call, VmHWM after. Peak extra memory = VmHWM - VmRSS before, as a share of the
session size (the RSS growth while the state was built, at least the arrays' nbytes).

`dd if=/dev/zero of=DIR/dd.bin bs=16M count=N conv=fsync` (N x 16 MiB ~ the arrays workload's size) runs in the
same directory --runs times just before and once just after the arrays workload; array bandwidth = array bytes /
suspend time (best run), against dd's best.

Workloads: small (1e6 small dicts, each with a str, a float, an int and a tuple), arrays (8 x 256 MB float64),
mixed (notebook-like: arrays, a pandas DataFrame, dicts of lists, records, instances of a class, functions,
a lambda and a closure defined in __main__). --quick scales all three down ~10x for a CI smoke run.

Targets (issue 4): suspend time <= 1.2 x pickle; far faster than dill (here: dill >= 5 x ours); arrays written
at >= 90% of dd's bandwidth; peak extra memory < 10% of the session size. Numbers are reported, never asserted.

Usage: /usr/bin/python3 tests/bench/bench_session.py [--bin PATH] [--quick] [--runs 2] [--dir DIR]
       [--dill-cap 300] [--only small arrays mixed] [--keep]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
GB = 1e9
MiB = 1 << 20
SUSPENDED = 75
RESULT = "BENCH-RESULT "
RESUMED = "BENCH-RESUMED"

# Runs under `suspendable run`: argv = OUT_DIR RUNS DILL_CAP SCALE. The workload's code is pasted at {BUILD};
# it leaves STATE_NAMES (the session) and ARRAY_BYTES (bytes in numpy arrays) in __main__.
HARNESS = r'''
import gc, json, os, pickle, signal, sys, time, types, warnings

OUT, RUNS, DILL_CAP, SCALE = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
{IMPORTS}

def _status():
    found = {{}}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) * 1024
    return found

def _reset_hwm():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

def _timed(fn):
    gc.collect()
    os.sync()  # every run starts with nothing pending on the disk (e.g. the release of a deleted file's blocks)
    _reset_hwm()
    before = _status()["VmRSS"]
    t = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t
    return seconds, max(_status()["VmHWM"] - before, 0)

gc.collect()
__import__("suspendable")
_rss0 = _status()["VmRSS"]
_t0 = time.perf_counter()
# ---------------------------------------------------------------- workload
{BUILD}
# ----------------------------------------------------------------
_build_seconds = time.perf_counter() - _t0
gc.collect()
_session_bytes = max(_status()["VmRSS"] - _rss0, ARRAY_BYTES)
STATE = {{name: globals()[name] for name in STATE_NAMES}}

def _plain_picklable(value):
    try:
        pickle.dumps(value, protocol=5, buffer_callback=lambda b: None)
        return True
    except Exception:
        return False

# Plain pickle saves functions and classes by reference; those it cannot save at all are left out of its run.
_LEFT_OUT = [n for n, v in STATE.items() if callable(v) and not _plain_picklable(v)]
PICKLE_STATE = {{n: v for n, v in STATE.items() if n not in _LEFT_OUT}}
_OURS = os.path.join(OUT, "ours.snap")
_PLAIN = os.path.join(OUT, "plain.pkl")

def _suspendable():
    # Not a global of __main__: dill would save the package by value (it is not installed in site-packages).
    if sys.modules["suspendable"].checkpoint(_OURS):
        # `suspendable resume ours.snap` continues here.
        print("{RESUMED}", len(STATE), sorted(STATE) == sorted(STATE_NAMES), flush=True)
        os._exit(0)

def _pickle():
    with open(_PLAIN, "wb") as f:
        pickle.dump(PICKLE_STATE, f, protocol=5)
        f.flush()
        os.fsync(f.fileno())

def _dill():
    import dill
    warnings.simplefilter("ignore")  # dump_session is dill 0.3.6's deprecated name of dump_module
    path = os.path.join(OUT, "dill.pkl")

    def run():
        with open(path, "wb") as f:
            dill.dump_session(f)
            f.flush()
            os.fsync(f.fileno())

    class _Cap(Exception):
        pass

    def alarm(signum, frame):
        raise _Cap()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, DILL_CAP)
    try:
        seconds, extra = _timed(run)
        result = {{"seconds": seconds, "extra": extra, "size": os.path.getsize(path)}}
    except _Cap:
        result = {{"timeout": DILL_CAP}}
    except BaseException as e:  # noqa: BLE001 - reported, not raised
        result = {{"failed": f"{{type(e).__name__}}: {{str(e)[:160]}}"}}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if os.path.exists(path):
        os.unlink(path)
    return result

_result = {{"session_bytes": _session_bytes, "array_bytes": ARRAY_BYTES, "build_seconds": _build_seconds,
           "left_out_of_pickle": _LEFT_OUT, "ours": [], "pickle": []}}
for _run in range(RUNS):
    if os.path.exists(_OURS):
        os.unlink(_OURS)  # (replacing it would time the release of its blocks, which pickle's run does not pay)
    _s, _extra = _timed(_suspendable)
    if not os.path.exists(_OURS):
        print("suspendable.checkpoint did not write a snapshot", file=sys.stderr)
        sys.exit(3)
    _result["ours"].append({{"seconds": _s, "extra": _extra, "size": os.path.getsize(_OURS)}})
    _s, _extra = _timed(_pickle)
    _result["pickle"].append({{"seconds": _s, "extra": _extra, "size": os.path.getsize(_PLAIN)}})
    os.unlink(_PLAIN)
_result["dill"] = _dill() if DILL_CAP > 0 else {{"failed": "skipped (--dill-cap 0)"}}
print("{RESULT}" + json.dumps(_result), flush=True)
'''

WORKLOADS = {
    "small": {
        "label": "1e6 small objects",
        "imports": "",
        "build": '''
N = int(1_000_000 * SCALE)
records = [{"id": i, "name": "item%d" % i, "score": i * 0.5, "pos": (i, -i)} for i in range(N)]
STATE_NAMES = ["records"]
ARRAY_BYTES = 0
''',
    },
    "arrays": {
        "label": "2 GB numpy arrays",
        "imports": "import numpy as np",
        "build": '''
n = int(32 * 2**20 * SCALE)  # float64: 256 MiB each at full scale
rng = np.random.default_rng(4)
arrays = [rng.random(n) for _ in range(8)]
STATE_NAMES = ["arrays"]
ARRAY_BYTES = sum(a.nbytes for a in arrays)
''',
    },
    "mixed": {
        "label": "mixed notebook",
        "imports": "import numpy as np\nimport pandas as pd",
        "build": '''
rng = np.random.default_rng(7)
weights = {f"w{i}": rng.standard_normal(int(4_000_000 * SCALE)) for i in range(4)}
image = rng.integers(0, 255, (int(1000 * SCALE) + 1, 1000, 3), dtype=np.uint8)
rows = int(500_000 * SCALE)
df = pd.DataFrame({"id": np.arange(rows), "x": rng.random(rows), "y": rng.standard_normal(rows),
                   "cat": pd.Categorical(rng.choice(["red", "green", "blue"], rows)),
                   "name": ["user%d" % i for i in range(rows)]})
summary = df.groupby("cat", observed=True)[["x", "y"]].mean()
groups = {f"key{i}": list(range(i % 40)) for i in range(int(20_000 * SCALE))}
records = [{"row": i, "vals": [i, i * 2.0, str(i)], "ok": i % 3 == 0} for i in range(int(100_000 * SCALE))]
def normalize(v):
    return (v - v.mean()) / v.std()
class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def norm(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5
points = [Point(i, -i) for i in range(int(50_000 * SCALE))]
square = lambda v: v * v
def make_counter():
    count = 0
    def increment():
        nonlocal count
        count += 1
        return count
    return increment
counter = make_counter()
counter()
STATE_NAMES = ["weights", "image", "df", "summary", "groups", "records", "normalize", "Point", "points", "square",
               "make_counter", "counter"]
ARRAY_BYTES = sum(a.nbytes for a in weights.values()) + image.nbytes + \
    sum(df[c].to_numpy().nbytes for c in ("id", "x", "y"))
''',
    },
}


def env(home):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("SUSPENDABLE_TEST_", "PYTHON"))}
    e["LC_ALL"] = "C.UTF-8"
    e["SUSPENDABLE_HOME"] = home  # a throwaway signing key, never the user's
    return e


def dd(directory, count):
    """Sequential write bandwidth (bytes/s) of `dd ... conv=fsync` into `directory`, from dd's own report."""
    target = os.path.join(directory, "dd.bin")
    try:
        p = subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=16M", f"count={count}", "conv=fsync"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=900)
    finally:
        if os.path.exists(target):
            os.unlink(target)
    m = re.search(r"^(\d+) bytes .* copied, ([\d.]+) s", p.stderr, re.M)
    if p.returncode != 0 or not m:
        raise RuntimeError("dd failed: " + p.stderr.strip())
    return int(m.group(1)) / float(m.group(2))


def fmt_s(x):
    return "%.2f" % x if x < 10 else "%.1f" % x


def human(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return "%.0f %s" % (n, unit) if unit == "B" else "%.2f %s" % (n, unit)
        n /= 1000


class Bench:
    def __init__(self, o):
        self.o = o
        base = o.dir or os.path.dirname(o.bin)
        self.tmp = tempfile.mkdtemp(prefix="bench-session-", dir=base)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home, mode=0o700)
        self.results = {}
        self.dd = []
        self.problems = []

    def workload(self, name):
        w = WORKLOADS[name]
        out = os.path.join(self.tmp, name)
        os.makedirs(out)
        script = os.path.join(out, "session_%s.py" % name)
        with open(script, "w") as f:
            f.write(HARNESS.format(IMPORTS=w["imports"], BUILD=w["build"], RESULT=RESULT, RESUMED=RESUMED))
        scale = 0.1 if self.o.quick else 1.0
        cmd = [self.o.bin, "run", script, out, str(self.o.runs), str(self.o.dill_cap), str(scale)]
        t0 = time.monotonic()
        p = subprocess.run(cmd, cwd=out, env=env(self.home), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=3600)
        line = next((ln for ln in p.stdout.splitlines() if ln.startswith(RESULT)), None)
        if p.returncode != 0 or line is None:
            self.problems.append("%s: exit %s: %s" % (name, p.returncode, (p.stderr or p.stdout).strip()[-2000:]))
            shutil.rmtree(out, ignore_errors=True)
            return
        r = json.loads(line[len(RESULT):])
        # The snapshot resumes: `suspendable resume` continues right after the checkpoint() call.
        snap = os.path.join(out, "ours.snap")
        t1 = time.perf_counter()
        q = subprocess.run([self.o.bin, "resume", snap], cwd=out, env=env(self.home), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=1800)
        r["resume_seconds"] = time.perf_counter() - t1
        r["resumed"] = q.returncode == 0 and any(ln.startswith(RESUMED) and ln.endswith(" True")
                                                 for ln in q.stdout.splitlines())
        if not r["resumed"]:
            self.problems.append("%s: the snapshot did not resume: exit %s: %s" % (name, q.returncode,
                                                                                   q.stderr.strip()[-1000:]))
        self.results[name] = r
        print("  %-7s measured in %.0f s (state built in %.1f s; resume %.1f s)" %
              (name, time.monotonic() - t0, r["build_seconds"], r["resume_seconds"]), flush=True)
        if not self.o.keep:
            shutil.rmtree(out, ignore_errors=True)

    def run(self):
        names = self.o.only or list(WORKLOADS)
        for name in names:
            if name == "arrays":
                count = max(1, round((1.0 if not self.o.quick else 0.1) * 8 * 256 * MiB / (16 * MiB)))
                for _ in range(self.o.runs):
                    self.dd.append(dd(self.tmp, count))
            self.workload(name)
            if name == "arrays":
                self.dd.append(dd(self.tmp, count))

    def report(self):
        o = self.o
        dd_bw = max(self.dd) if self.dd else None
        print()
        if self.dd:
            print("dd bs=16M conv=fsync in %s: %s GB/s (--runs times before, once after the arrays workload; "
                  "best used, as for the suspend runs)" %
                  (self.tmp, " / ".join("%.3f" % (b / GB) for b in self.dd)))
        head = ("workload", "suspendable s", "pickle s", "ratio", "dill s", "ratio", "size ours/pickle",
                "GB/s vs dd", "peak extra %")
        rows, targets = [], []
        for name, r in self.results.items():
            ours = min(x["seconds"] for x in r["ours"])
            plain = min(x["seconds"] for x in r["pickle"])
            size_ours, size_plain = r["ours"][0]["size"], r["pickle"][0]["size"]
            extra = max(x["extra"] for x in r["ours"])
            extra_pct = 100.0 * extra / r["session_bytes"]
            d = r["dill"]
            if "seconds" in d:
                dill_s, dill_ratio, dill_vs_ours = fmt_s(d["seconds"]), "%.1fx" % (d["seconds"] / plain), \
                    d["seconds"] / ours
            elif "timeout" in d:
                dill_s, dill_ratio, dill_vs_ours = ">%g" % d["timeout"], ">%.1fx" % (d["timeout"] / plain), \
                    d["timeout"] / ours
            else:
                dill_s, dill_ratio, dill_vs_ours = "failed", "-", None
            bw = ""
            if name == "arrays" and dd_bw:
                ours_bw = r["array_bytes"] / ours
                bw = "%.3f/%.3f %.0f%%" % (ours_bw / GB, dd_bw / GB, 100 * ours_bw / dd_bw)
            rows.append((WORKLOADS[name]["label"], fmt_s(ours), fmt_s(plain), "%.2fx" % (ours / plain), dill_s,
                         dill_ratio, "%s/%s" % (human(size_ours), human(size_plain)), bw or "-", "%.1f%%" % extra_pct))
            targets.append((name, "suspend time <= 1.2 x pickle", "%.2fx" % (ours / plain), ours / plain <= 1.2))
            if dill_vs_ours is not None:
                targets.append((name, "dill >= 5 x suspend time (far faster)", "%s%.1fx" %
                                (">" if "timeout" in d else "", dill_vs_ours), dill_vs_ours >= 5))
            else:
                targets.append((name, "dill >= 5 x suspend time (far faster)", "dill " + d["failed"], None))
            if name == "arrays" and dd_bw:
                ratio = r["array_bytes"] / ours / dd_bw
                targets.append((name, "array bandwidth >= 90% of dd", "%.0f%%" % (100 * ratio), ratio >= 0.9))
            targets.append((name, "peak extra memory < 10% of session", "%.1f%% of %s" %
                            (extra_pct, human(r["session_bytes"])), extra_pct < 10))
            targets.append((name, "memory does not double (extra < 100%)", "%.1f%%" % extra_pct, extra_pct < 100))
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else []
        print(" | ".join(h.ljust(w) for h, w in zip(head, widths)))
        print("-+-".join("-" * w for w in widths))
        for row in rows:
            print(" | ".join(str(x).ljust(w) for x, w in zip(row, widths)))
        print("\nbest of %d alternating runs each; dill once, capped at %g s; ratios are to pickle's time; "
              "GB = 1e9 bytes" % (o.runs, o.dill_cap))
        print("\ndetails (per workload):")
        for name, r in self.results.items():
            d = r["dill"]
            plain_extra = max(x["extra"] for x in r["pickle"])
            dill_extra = "%.1f%%" % (100.0 * d["extra"] / r["session_bytes"]) if "extra" in d else "-"
            print("  %-7s session %s (arrays %s); suspend runs %s s; pickle runs %s s; peak extra: ours %s, "
                  "pickle %s (%.1f%%), dill %s; resume %.1f s%s%s" % (
                      name, human(r["session_bytes"]), human(r["array_bytes"]),
                      "/".join(fmt_s(x["seconds"]) for x in r["ours"]),
                      "/".join(fmt_s(x["seconds"]) for x in r["pickle"]),
                      human(max(x["extra"] for x in r["ours"])), human(plain_extra),
                      100.0 * plain_extra / r["session_bytes"], dill_extra, r["resume_seconds"],
                      "" if r["resumed"] else " (RESUME FAILED)",
                      "; left out of pickle (it cannot save them): " + ", ".join(r["left_out_of_pickle"])
                      if r["left_out_of_pickle"] else ""))
            if "failed" in d:
                print("          dill failed: %s" % d["failed"])
        print("\ntargets:")
        for name, target, value, ok in targets:
            print("  %-7s %-40s %-22s %s" % (name, target, value, "n/a" if ok is None else "PASS" if ok else "MISS"))
        if any(n == "arrays" and t.startswith("dill") and ok is False for n, t, _, ok in targets):
            print("  (arrays: every contender writes the same bytes to the same disk, so dill's in-memory copy costs "
                  "it little more than the disk time)")
        for p in self.problems:
            print("could not measure:", p)
        if not o.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return 1 if self.problems else 0


def main():
    ap = argparse.ArgumentParser(description="session save benchmark: suspendable vs pickle vs dill (prints a table)")
    ap.add_argument("--bin", default=os.environ.get("SUSPENDABLE_BIN"))
    ap.add_argument("--quick", action="store_true", help="CI smoke run: every workload ~10x smaller")
    ap.add_argument("--runs", type=int, default=None, help="alternating suspendable/pickle runs (best reported); "
                    "default 2, 1 with --quick")
    ap.add_argument("--dill-cap", type=float, default=None, help="seconds before dill is stopped (default 300, "
                    "60 with --quick; 0 skips dill)")
    ap.add_argument("--dir", help="where files are written (default: the binary's directory); the disk under test")
    ap.add_argument("--only", choices=list(WORKLOADS), nargs="*")
    ap.add_argument("--keep", action="store_true", help="keep the snapshots and scripts")
    o = ap.parse_args()
    if not o.bin:
        sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
        import harness  # the one place that knows where a build puts the binary
        o.bin = harness.suspendable_binary()
    if not o.bin:
        print("no suspendable binary: pass --bin or set SUSPENDABLE_BIN")
        return 2
    o.bin = os.path.abspath(o.bin)
    o.runs = max(o.runs if o.runs is not None else (1 if o.quick else 2), 1)
    o.dill_cap = o.dill_cap if o.dill_cap is not None else (60.0 if o.quick else 300.0)
    b = Bench(o)
    print("binary %s; %s; %d runs; %d cores; files in %s" % (o.bin, "quick" if o.quick else "full", o.runs,
                                                              os.cpu_count(), b.tmp), flush=True)
    try:
        b.run()
    except Exception as e:  # noqa: BLE001 - report what was measured so far
        b.problems.append("%s: %s" % (type(e).__name__, e))
    return b.report()


if __name__ == "__main__":
    sys.exit(main())
