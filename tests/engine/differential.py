#!/usr/bin/python3
"""Differential test of the suspendable engine over the program corpus in tests/engine/corpus.

Every corpus program is first run uninterrupted with /usr/bin/python3.11 (twice, with different PYTHONHASHSEED
values: the corpus itself must be deterministic). That output and exit status are the reference. Then, with the
`suspendable` binary, each trial runs the program in a fresh temporary working directory, suspends it, resumes it in
fresh processes, and requires the concatenated stdout to be byte-identical to the reference and the final exit
status to be the reference one:

  uninterrupted  `suspendable run` with SUSPENDABLE_TEST_REPORT=1: same output, and N = number of capturable events
  sweep          suspend at the K-th capturable event (SUSPENDABLE_TEST_SUSPEND_AT=K), resume; K = every point for
                 small programs (or a deterministic stride), seeded random points for large ones
  chain          suspend at K1 in the run, K2 in the first resume, K3 in the second resume, resume to the end
                 (mixing the default snapshot path and --snapshot)
  signal         SIGUSR1 / SIGTERM / --signal SIGUSR2 at seeded random instants while the program runs with
                 CORPUS_SLOW sleeps, resume, compare
  checkpoint     programs calling suspendable.checkpoint(path): run to completion, then resume from each snapshot;
                 expected output = reference from that checkpoint on, with its `resumed=False` line reading True
  unsaveable     a program holding a socket: the suspend must be refused, the program must complete unchanged,
                 stderr must name the object, and no snapshot may be left behind
  inspect        `inspect PATH` and `inspect PATH --json` on a snapshot, which must still resume afterwards
  defer          SIGUSR1 while the program is inside Pattern.sub(slow Python callback), --safe-point-timeout 1:
                 the program keeps running, stderr names `Pattern.sub`, and the output is unchanged

A corpus program declares its kind in its first line: `# corpus: small|large|checkpoint|unsaveable|defer`, and may give
arguments with a `# args: ...` line.

Usage: /usr/bin/python3 differential.py [--quick | --full] [--bin PATH] [--jobs 2] [--programs SUBSTR ...]
The binary comes from --bin, else $SUSPENDABLE_BIN, else the newest build*/suspendable of the checkout.
--mutate corrupts every reference (a harness self-check: every trial must then fail).
Exit status is non-zero on any failure; the last line is exactly `N passed, M failed`.
"""
import argparse
import concurrent.futures
import difflib
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
PY311 = "/usr/bin/python3.11"
REPORT_RE = re.compile(rb"\[suspendable: not suspended, (\d+) capturable events\]")
CHECKPOINT_RE = re.compile(rb"^after checkpoint (\S+): resumed=False$", re.M)
SUSPENDED = 75
TIMEOUT = 120
SLOW = "0.01"  # seconds slept at every tick() of a corpus program in signal trials
IGNORED_AFTER = 0.3  # a program still running this long after a signal had safe points to stop at


# ----------------------------------------------------------------------------------------------- processes

class Result:
    def __init__(self, rc, out, err, secs):
        self.rc, self.out, self.err, self.secs = rc, out, err, secs


def base_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SUSPENDABLE_TEST_", "PYTHON", "CORPUS_", "PYENV"))}
    env["LC_ALL"] = "C.UTF-8"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def execute(cmd, cwd, env=None, timeout=TIMEOUT):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env or base_env(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return Result(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        return Result("timeout", e.stdout or b"", (e.stderr or b"") + b"\n[harness: timed out]", timeout)


def snap_state(cwd):
    state = {}
    for p in glob.glob(os.path.join(cwd, "**", "*.snap"), recursive=True):
        try:
            st = os.stat(p)
            state[p] = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            pass
    return state


def written_snapshot(cwd, before, expected):
    """The snapshot a step that exited 75 wrote: the expected path if it changed, else the newest changed one."""
    after = snap_state(cwd)
    changed = [p for p, s in after.items() if before.get(p) != s]
    if expected in changed:
        return expected
    if changed:
        return max(changed, key=lambda p: after[p][0])
    return None


def spread(items):
    """items reordered so that every prefix is spread over the whole list: ends, middle, quarters, ..."""
    n = len(items)
    if n <= 2:
        return list(items)
    order, seen = [0, n - 1], {0, n - 1}
    parts = 2
    while len(order) < n:
        for j in range(1, parts, 2):
            i = (j * (n - 1)) // parts
            if i not in seen:
                seen.add(i)
                order.append(i)
        parts *= 2
        if parts > 4 * n:
            order += [i for i in range(n) if i not in seen]
            break
    return [items[i] for i in order]


def refusal(err):
    """The engine's 'cannot suspend' explanation, if it printed one."""
    for line in err.decode("utf-8", "replace").splitlines():
        if "cannot suspend" in line or "no safe point" in line:
            return line.split(":", 1)[-1].strip()[:400]
    return None


def cause(oc):
    """A short key grouping failures by their likely cause (for the summary)."""
    r = oc.reason
    if r.startswith("suspend refused"):
        return "refused: " + r.split("running:", 1)[-1].strip().split(";")[0][:90]
    last = [l for l in oc.details.splitlines() if l.startswith("    stderr|")]
    tail = last[-1][12:].strip()[:90] if last else ""
    key = (r[:60] + (" / " + tail if tail else "")).strip()
    if r.startswith("signal ignored"):
        key = "signal ignored: completed without suspending"
    return re.sub(r"K=\d+ <= N=\d+", "K <= N", re.sub(r"/tmp/\S+", "<tmp>", key))


# ----------------------------------------------------------------------------------------------- corpus

class Program:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.kind, self.args = "small", []
        with open(path) as f:
            head = [next(f, "") for _ in range(6)]
        for line in head:
            m = re.match(r"#\s*corpus:\s*(\w+)", line)
            if m:
                self.kind = m.group(1)
            m = re.match(r"#\s*args:\s*(.*)", line)
            if m:
                self.args = m.group(1).split()
        self.ref_out = self.ref_rc = None
        self.n = None          # capturable events reported by the engine
        self.slow_secs = 1.0   # reference run time with CORPUS_SLOW
        self.problem = None    # why the program cannot be tested (corpus or engine problem)

    @property
    def default_snap(self):
        return self.name + ".snap"


class Outcome:
    def __init__(self, prog, mode, desc):
        self.prog, self.mode, self.desc = prog, mode, desc
        self.ok = False
        self.reason = ""
        self.details = ""
        self.note = ""        # e.g. "completed before the signal"
        self.suspends = 0


class Harness:
    def __init__(self, opts):
        self.o = opts
        self.bin = opts.bin
        self.root = tempfile.mkdtemp(prefix="suspendable-diff-")
        self.print_lock = threading.Lock()

    # -------------------------------------------------------------------------------- helpers
    def cmd(self, *args):
        if self.bin.endswith(".py"):
            return [PY311, self.bin, *args]
        return [self.bin, *args]

    def workdir(self, prog, tag):
        return tempfile.mkdtemp(prefix="%s-%s-" % (prog.name, tag), dir=self.root)

    def cleanup(self, cwd, ok):
        if ok or not self.o.keep:
            shutil.rmtree(cwd, ignore_errors=True)

    def env(self, k=None, **extra):
        env = base_env()
        if k is not None:
            env["SUSPENDABLE_TEST_SUSPEND_AT"] = str(k)
        env.update(extra)
        return env

    @staticmethod
    def diff(expected, got, limit=14):
        e = expected.decode("utf-8", "replace").splitlines(keepends=True)
        g = got.decode("utf-8", "replace").splitlines(keepends=True)
        lines = list(difflib.unified_diff(e, g, "reference", "suspended+resumed", n=1))
        if not lines and expected != got:
            lines = ["(difference in line endings or trailing bytes: %d vs %d bytes)\n" % (len(expected), len(got))]
        text = "".join(lines[:limit])
        if len(lines) > limit:
            text += "    ... %d more diff lines\n" % (len(lines) - limit)
        return text

    @staticmethod
    def tail(err, n=6):
        lines = err.decode("utf-8", "replace").rstrip().splitlines()
        return "\n".join("    stderr| " + l for l in lines[-n:])

    def judge(self, oc, prog, out, rc, stderr_all, expected=None):
        expected = prog.ref_out if expected is None else expected
        if out == expected and rc == prog.ref_rc:
            oc.ok = True
            return oc
        oc.ok = False
        if rc != prog.ref_rc:
            oc.reason = (oc.reason + "; " if oc.reason else "") + "exit status %s, reference %s" % (rc, prog.ref_rc)
        if out != expected:
            oc.reason = (oc.reason + "; " if oc.reason else "") + "stdout differs"
            oc.details = self.diff(expected, out)
        oc.details += self.tail(stderr_all)
        return oc

    # -------------------------------------------------------------------------------- the generic sequence
    def sequence(self, prog, oc, ks, snap_names=(), first_env=None, popen_hook=None, max_steps=12):
        """Run, then resume while the process exits 75. ks[i] is SUSPENDABLE_TEST_SUSPEND_AT for step i (None: not
        set); snap_names[i] (if given and not None) is passed as --snapshot to step i. Returns (out, rc, err)."""
        cwd = self.workdir(prog, oc.mode)
        out, err = b"", b""
        current = None
        try:
            for step in range(max_steps):
                k = ks[step] if step < len(ks) else None
                name = snap_names[step] if step < len(snap_names) else None
                target = os.path.join(cwd, name) if name else (current or os.path.join(cwd, prog.default_snap))
                opt = ["--snapshot", name] if name else []
                before = snap_state(cwd)
                if step == 0:
                    args = self.cmd("run", *opt, prog.path, *prog.args)
                    env = self.env(k, **(first_env or {}))
                    r = popen_hook(args, cwd, env) if popen_hook else execute(args, cwd, env)
                else:
                    r = execute(self.cmd("resume", current, *opt), cwd, self.env(k))
                out += r.out
                err += r.err
                if r.rc != SUSPENDED:
                    self.cleanup(cwd, r.rc == prog.ref_rc and out == prog.ref_out)
                    return out, r.rc, err, step
                oc.suspends += 1
                current = written_snapshot(cwd, before, target)
                if current is None:
                    oc.reason = "step %d exited 75 but wrote no snapshot" % step
                    oc.details = self.tail(err)
                    self.cleanup(cwd, False)
                    return out, "75-without-snapshot", err, step
                if not r.err.strip():
                    oc.reason = "step %d exited 75 without saying where it stopped" % step
                    self.cleanup(cwd, False)
                    return out, "75-silent", err, step
            self.cleanup(cwd, False)
            return out, "still-suspending-after-%d-steps" % max_steps, err, max_steps
        except Exception as e:  # harness bug or unreadable state: report, never crash the whole run
            self.cleanup(cwd, False)
            return out, "harness-error: %r" % e, err, 0

    # -------------------------------------------------------------------------------- trial kinds
    def t_uninterrupted(self, prog):
        oc = Outcome(prog, "uninterrupted", "run with SUSPENDABLE_TEST_REPORT=1")
        out, rc, err, steps = self.sequence(prog, oc, [], first_env={"SUSPENDABLE_TEST_REPORT": "1"})
        self.judge(oc, prog, out, rc, err)
        m = REPORT_RE.search(err)
        if m and oc.suspends == 0:
            prog.n = int(m.group(1))
        elif oc.suspends == 0 and oc.ok:  # programs calling suspend() never complete in one process
            oc.ok = False
            oc.reason = "no '[suspendable: not suspended, N capturable events]' line on stderr"
            oc.details = self.tail(err)
        if b"not built" in err:
            prog.problem = "the binary says the engine is not built"
        oc.note = "N=%s" % prog.n
        return oc

    def t_sweep(self, prog, k):
        oc = Outcome(prog, "sweep", "K=%d" % k)
        out, rc, err, steps = self.sequence(prog, oc, [k])
        self.judge(oc, prog, out, rc, err)
        if oc.ok and prog.n is not None and k <= prog.n and oc.suspends == 0:
            oc.ok = False
            refused = refusal(err)
            oc.reason = ("suspend refused: %s" % refused) if refused else \
                "K=%d <= N=%d but the run completed without suspending" % (k, prog.n)
            oc.details = self.tail(err)
        return oc

    def t_chain(self, prog, ks, names):
        oc = Outcome(prog, "chain", "K=%s snapshots=%s" % ("/".join(map(str, ks)),
                                                          "/".join(n or "default" for n in names)))
        out, rc, err, steps = self.sequence(prog, oc, ks, names)
        self.judge(oc, prog, out, rc, err)
        if oc.suspends < len(ks):
            oc.note = "chain ended after %d suspensions" % oc.suspends
        return oc

    @staticmethod
    def popen_signal(args, cwd, env, delay, signame, sent):
        """Start args, send signame after delay seconds (if still running), collect the result."""
        t0 = time.monotonic()
        p = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        bufs = {"out": [], "err": []}
        readers = [threading.Thread(target=lambda s=s, k=k: bufs[k].append(s.read()))
                   for s, k in ((p.stdout, "out"), (p.stderr, "err"))]
        for t in readers:
            t.start()
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(getattr(signal, signame))
            sent["at"] = time.monotonic() - t0
        try:
            rc = p.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "timeout"
        sent["end"] = time.monotonic() - t0
        for t in readers:
            t.join()
        return Result(rc, b"".join(bufs["out"]), b"".join(bufs["err"]), time.monotonic() - t0)

    def t_signal(self, prog, delay, signame, extra_opt):
        oc = Outcome(prog, "signal", "%s after %.0f ms%s" % (signame, delay * 1000, " " + " ".join(extra_opt)
                                                            if extra_opt else ""))
        sent = {}

        def hook(args, cwd, env):
            if extra_opt:
                at = args.index("run") + 1
                args = args[:at] + extra_opt + args[at:]
            return self.popen_signal(args, cwd, env, delay, signame, sent)

        out, rc, err, steps = self.sequence(prog, oc, [], first_env={"CORPUS_SLOW": SLOW}, popen_hook=hook)
        if isinstance(rc, int) and rc < 0:
            oc.reason = "process killed by signal %d (was the handler installed?)" % -rc
            oc.details = self.tail(err)
            return oc
        self.judge(oc, prog, out, rc, err)
        if "at" not in sent:
            oc.note = "completed before the signal"
        elif oc.suspends == 0:
            ran = sent["end"] - sent["at"]
            refused = refusal(err)
            if oc.ok and ran > IGNORED_AFTER and not refused:
                oc.ok = False
                oc.reason = "signal ignored: the program ran %.0f ms more and completed without suspending" % (
                    ran * 1000)
                oc.details = self.tail(err)
            elif refused and oc.ok:
                # every corpus program except the unsaveable one must be suspendable anywhere
                oc.ok = False
                oc.reason = "suspend refused: %s" % refused
                oc.details = self.tail(err)
            else:
                oc.note = "completed %.0f ms after the signal, not suspended" % (ran * 1000)
        return oc

    def t_defer(self, prog, delay):
        """A request that lands inside Pattern.sub(callback): deferred; after --safe-point-timeout 1 the program
        keeps running and stderr names Pattern.sub. If the engine serves the request later, the resume must still match."""
        oc = Outcome(prog, "defer", "SIGUSR1 after %.0f ms, --safe-point-timeout 1" % (delay * 1000))
        sent = {}

        def hook(args, cwd, env):
            at = args.index("run") + 1
            args = args[:at] + ["--safe-point-timeout", "1"] + args[at:]
            return self.popen_signal(args, cwd, env, delay, "SIGUSR1", sent)

        out, rc, err, steps = self.sequence(prog, oc, [], popen_hook=hook)
        self.judge(oc, prog, out, rc, err)
        if isinstance(rc, int) and rc < 0:
            oc.reason = "process killed by signal %d" % -rc
        elif oc.ok and b"Pattern.sub()" not in err:
            oc.ok = False
            oc.reason = "stderr does not name the native function in the way (Pattern.sub)"
            oc.details = self.tail(err)
        if "at" not in sent:
            oc.ok = False
            oc.reason = "program ended before the signal was sent"
        return oc

    def t_checkpoint(self, prog, name, expected):
        oc = Outcome(prog, "checkpoint", "resume from %s" % name)
        cwd = self.workdir(prog, "cp")
        r = execute(self.cmd("run", prog.path, *prog.args), cwd, self.env())
        if r.rc != prog.ref_rc or r.out != prog.ref_out:
            self.judge(oc, prog, r.out, r.rc, r.err)
            oc.reason = "run with checkpoints: " + oc.reason
            self.cleanup(cwd, False)
            return oc
        snap = os.path.join(cwd, name)
        if not os.path.exists(snap):
            oc.reason = "checkpoint() did not write %s" % name
            oc.details = self.tail(r.err)
            self.cleanup(cwd, False)
            return oc
        r2 = execute(self.cmd("resume", snap), cwd, self.env())
        out, rc, err = r2.out, r2.rc, r.err + r2.err
        if rc == SUSPENDED:  # a later suspend() in the program
            oc2 = Outcome(prog, "x", "")
            more, rc, err2, _ = self.sequence_from(prog, oc2, cwd, snap)
            out += more
            err += err2
        self.judge(oc, prog, out, rc, err, expected=expected)
        self.cleanup(cwd, oc.ok)
        return oc

    def sequence_from(self, prog, oc, cwd, snap, max_steps=8):
        out, err = b"", b""
        for _ in range(max_steps):
            before = snap_state(cwd)
            r = execute(self.cmd("resume", snap), cwd, self.env())
            out += r.out
            err += r.err
            if r.rc != SUSPENDED:
                return out, r.rc, err, 0
            snap = written_snapshot(cwd, before, snap) or snap
        return out, "still-suspending", err, 0

    def t_unsaveable(self, prog, k):
        oc = Outcome(prog, "unsaveable", "K=%d" % k)
        cwd = self.workdir(prog, "u")
        r = execute(self.cmd("run", prog.path, *prog.args), cwd, self.env(k))
        self.judge(oc, prog, r.out, r.rc, r.err)
        leftovers = [os.path.relpath(p, cwd) for p in glob.glob(os.path.join(cwd, "*"))
                     if not os.path.isdir(p)]
        low = r.err.lower()
        if oc.ok and not (b"sock" in low and b"socket" in low):
            oc.ok = False
            oc.reason = "refused suspend did not name the object (expected 'sock' and 'socket' on stderr)"
            oc.details = self.tail(r.err)
        if oc.ok and leftovers:
            oc.ok = False
            oc.reason = "files left behind by a refused suspend: %s" % leftovers
        if r.rc == SUSPENDED:
            oc.reason = "suspended although a socket is live: " + oc.reason
        self.cleanup(cwd, oc.ok)
        return oc

    def t_inspect(self, prog, k):
        oc = Outcome(prog, "inspect", "K=%d" % k)
        cwd = self.workdir(prog, "i")
        r = execute(self.cmd("run", prog.path, *prog.args), cwd, self.env(k))
        snap = os.path.join(cwd, prog.default_snap)
        if r.rc != SUSPENDED or not os.path.exists(snap):
            oc.reason = "run with K=%d did not suspend (rc %s)" % (k, r.rc)
            oc.details = self.tail(r.err)
            self.cleanup(cwd, False)
            return oc
        with open(snap, "rb") as f:
            before = f.read()
        j = execute(self.cmd("inspect", snap, "--json"), cwd, self.env())
        t = execute(self.cmd("inspect", snap), cwd, self.env())
        problems = []
        try:
            json.loads(j.out)
        except ValueError as e:
            problems.append("inspect --json output is not JSON (%s)" % e)
        if j.rc != 0 or t.rc != 0:
            problems.append("inspect exit status %s / %s" % (j.rc, t.rc))
        if prog.name.encode() not in t.out:
            problems.append("inspect output does not name the script")
        with open(snap, "rb") as f:
            if f.read() != before:
                problems.append("inspect modified the snapshot")
        r2 = execute(self.cmd("resume", snap), cwd, self.env())
        self.judge(oc, prog, r.out + r2.out, r2.rc, r.err + r2.err + j.err + t.err)
        if problems:
            oc.ok = False
            oc.reason = "; ".join(problems + ([oc.reason] if oc.reason else []))
            oc.details += self.tail(j.err + t.err)
        self.cleanup(cwd, oc.ok)
        return oc

    # -------------------------------------------------------------------------------- references
    def reference(self, prog):
        outs = []
        for seed in ("1", "4242"):
            cwd = self.workdir(prog, "ref")
            env = base_env()
            env["PYTHONHASHSEED"] = seed
            outs.append(execute([PY311, prog.path, *prog.args], cwd, env))
            self.cleanup(cwd, True)
        a, b = outs
        if (a.rc, a.out) != (b.rc, b.out):
            prog.problem = "corpus program is not deterministic under python3.11 (PYTHONHASHSEED 1 vs 4242):\n" + \
                self.diff(a.out, b.out)
        prog.ref_out, prog.ref_rc = a.out, a.rc
        if not a.out:
            prog.problem = "reference run printed nothing:\n" + self.tail(a.err)
        if prog.kind in ("small", "large", "checkpoint", "unsaveable") and not self.o.no_signal:
            cwd = self.workdir(prog, "slow")
            env = base_env()
            env["CORPUS_SLOW"] = SLOW
            s = execute([PY311, prog.path, *prog.args], cwd, env)
            self.cleanup(cwd, True)
            prog.slow_secs = s.secs
            if (s.rc, s.out) != (a.rc, a.out) and not prog.problem:
                prog.problem = "output with CORPUS_SLOW differs from the plain reference:\n" + self.diff(a.out, s.out)
        if self.o.mutate and prog.ref_out:
            mid = len(prog.ref_out) // 2
            prog.ref_out = prog.ref_out[:mid] + b"#" + prog.ref_out[mid + 1:]

    # -------------------------------------------------------------------------------- planning
    def plan(self, prog):
        """Trials for one program, as (callable, args) pairs, most informative first: the sweep points come in a
        spreading order (ends, middle, quarters, ...) interleaved with the other kinds."""
        rng = random.Random("%s:%s" % (self.o.seed, prog.name))
        quick = self.o.quick
        n = prog.n
        if prog.kind == "defer":
            return [(self.t_defer, (prog, 0.5))] + ([] if quick else [(self.t_defer, (prog, 1.7))])
        if prog.kind == "unsaveable":
            base = n or 100
            return [(self.t_unsaveable, (prog, max(1, int(base * f))))
                    for f in ((0.3, 0.6) if quick else (0.2, 0.35, 0.5, 0.65, 0.8))]
        # sweep points
        if n is None:
            ks = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89] if quick else list(range(1, 120))
        elif prog.kind == "large":
            ks = sorted(rng.sample(range(1, n + 1), min(8 if quick else 60, n)))
        else:
            cap = 16 if quick else 1500
            if n <= cap:
                ks = list(range(1, n + 1))
            else:
                stride = n / cap
                off = rng.random() * stride
                ks = sorted({min(n, max(1, int(off + i * stride) + 1)) for i in range(cap)} | {1, n})
        sweeps = [(self.t_sweep, (prog, k)) for k in spread(ks)]
        others = []
        # chains of 3 suspensions, signals at random instants
        top = n or 60
        chains, signals = [], []
        for i in range(2 if quick else 10):
            k1 = rng.randint(1, max(1, int(top * 0.6)))
            k2 = rng.randint(1, max(1, (top - k1) // 3))
            k3 = rng.randint(1, max(1, (top - k1 - k2) // 3))
            names = [None, "second.snap", None] if i % 2 == 0 else [None, None, "third.snap"]
            chains.append((self.t_chain, (prog, [k1, k2, k3], names)))
        if not self.o.no_signal:
            sigs = [("SIGUSR1", []), ("SIGTERM", []), ("SIGUSR1", []), ("SIGUSR2", ["--signal", "SIGUSR2"])]
            for i in range(2 if quick else 8):
                delay = rng.uniform(0.15, max(0.2, prog.slow_secs * 0.9))
                signame, opt = sigs[i % len(sigs)]
                signals.append((self.t_signal, (prog, delay, signame, opt)))
        # checkpoint() snapshots
        if prog.kind == "checkpoint":
            names = []
            for m in CHECKPOINT_RE.finditer(prog.ref_out):
                name = m.group(1).decode()
                if name in names:
                    names.remove(name)
                names.append(name)
            for name in names:
                last = [m for m in CHECKPOINT_RE.finditer(prog.ref_out) if m.group(1).decode() == name][-1]
                expected = prog.ref_out[last.start():].replace(b"resumed=False", b"resumed=True", 1)
                others.append((self.t_checkpoint, (prog, name, expected)))
        if n and (not quick or prog.name in self.o.inspect_in_quick):
            others.append((self.t_inspect, (prog, max(1, n // 2))))
        head = [t for pair in zip(signals, chains) for t in pair] + others
        head += signals[len(chains):] + chains[len(signals):]
        trials = []
        while head or sweeps:
            if head:
                trials.append(head.pop(0))
            trials += sweeps[:2]
            del sweeps[:2]
        return trials

    # -------------------------------------------------------------------------------- driver
    def log(self, msg):
        with self.print_lock:
            print(msg, flush=True)

    def run(self, programs):
        t_start = time.monotonic()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.o.jobs)
        self.log("binary: %s\ncorpus: %d programs in %s\nmode: %s, jobs %d, seed %s, temp %s" % (
            self.bin, len(programs), CORPUS, "quick" if self.o.quick else "full", self.o.jobs, self.o.seed,
            self.root))
        list(pool.map(self.reference, programs))
        outcomes = {p.name: [] for p in programs}
        for p in programs:
            if p.problem:
                oc = Outcome(p, "reference", "python3.11")
                oc.reason = p.problem
                outcomes[p.name].append(oc)
        live = [p for p in programs if not p.problem]
        self.log("references: %d programs ok under %s (%.1f s)" % (len(live), PY311, time.monotonic() - t_start))
        for oc in pool.map(self.t_uninterrupted, live):
            outcomes[oc.prog.name].append(oc)
        if live and all(p.problem for p in live):
            self.log("ABORT: %s (%s)" % (live[0].problem, self.bin))
            live = []
        live = [p for p in live if not p.problem]
        # Round-robin over programs, each program's trials in priority order (plan() spreads them), so that a
        # time budget cut leaves an even sample rather than whole programs untested.
        per = [self.plan(p) for p in live]
        trials = []
        for i in range(max((len(t) for t in per), default=0)):
            trials += [t[i] for t in per if i < len(t)]
        self.log("trials: %d planned%s" % (len(trials), ", time budget %d s" % self.o.budget if self.o.budget else ""))
        done = 0

        def guarded(fn, args):
            if self.o.budget and time.monotonic() - t_start > self.o.budget:
                oc = Outcome(args[0], "skipped", "")
                oc.ok = None
                return oc
            return fn(*args)

        futs = [pool.submit(guarded, fn, args) for fn, args in trials]
        step = max(1, len(futs) // 10)
        for f in concurrent.futures.as_completed(futs):
            oc = f.result()
            outcomes[oc.prog.name].append(oc)
            done += 1
            if done % step == 0 or done == len(futs):
                nf = sum(1 for v in outcomes.values() for o in v if o.ok is False)
                self.log("  [%d/%d] %.0f s, %d failed so far" % (done, len(futs), time.monotonic() - t_start, nf))
        pool.shutdown()
        return self.report(programs, outcomes, time.monotonic() - t_start)

    def report(self, programs, outcomes, secs):
        modes = ["uninterrupted", "sweep", "chain", "signal", "checkpoint", "unsaveable", "inspect", "defer"]
        print()
        label = {"uninterrupted": "plain", "checkpoint": "checkpt", "unsaveable": "refuse"}
        print("%-26s %6s  %s" % ("program", "N", " ".join("%-8s" % label.get(m, m) for m in modes)))
        total_ok = total_bad = skipped = 0
        notes = {}
        failures = []
        for p in programs:
            ocs = [o for o in outcomes[p.name] if o.ok is not None]
            skipped += len(outcomes[p.name]) - len(ocs)
            cells = []
            for m in modes:
                sel = [o for o in ocs if o.mode == m]
                ok = sum(1 for o in sel if o.ok)
                cells.append("%-8s" % ("%d/%d" % (ok, len(sel)) if sel else "-"))
                for o in sel:
                    if o.note and o.ok and not o.note.startswith("N="):
                        note = re.sub(r"\d+ ms", "N ms", o.note)
                        key = "%s: %s" % (m, note.split(" after")[0] if m == "chain" else note)
                        notes[key] = notes.get(key, 0) + 1
            bad = [o for o in ocs if not o.ok]
            failures += bad
            total_ok += sum(1 for o in ocs if o.ok)
            total_bad += len(bad)
            print("%-26s %6s  %s%s" % (p.name, p.n if p.n is not None else "?", " ".join(cells),
                                       "  FAIL" if bad else ""))
        print()
        for k in sorted(notes):
            print("note: %d trials passed with %s" % (notes[k], k))
        if skipped:
            print("note: %d trials skipped: time budget of %d s reached (--budget 0 for no limit)" % (
                skipped, self.o.budget))
        tried = [o for v in outcomes.values() for o in v if o.mode in ("sweep", "chain", "signal") and
                 o.ok is not None]
        print("suspend points tried: %d, identical: %d, failed: %d; suspensions performed: %d; %.0f s" % (
            len(tried), sum(1 for o in tried if o.ok), sum(1 for o in tried if not o.ok),
            sum(o.suspends for v in outcomes.values() for o in v), secs))
        if failures:
            causes = {}
            for o in failures:
                causes.setdefault(cause(o), []).append(o)
            print("\nfailures by cause (%d failures, %d causes):" % (len(failures), len(causes)))
            for c, lst in sorted(causes.items(), key=lambda kv: -len(kv[1]))[:25]:
                progs = sorted({o.prog.name for o in lst})
                print("  %4d  %s  [%s]" % (len(lst), c, ", ".join(progs[:4]) + (" ..." if len(progs) > 4 else "")))
            print("\nexamples (first failure of each cause, up to %d):" % self.o.show)
            for c, lst in list(causes.items())[:self.o.show]:
                o = lst[0]
                print("--- %s %s %s: %s" % (o.prog.name, o.mode, o.desc, o.reason))
                if o.details:
                    print(o.details.rstrip())
            by = {}
            for o in failures:
                by[(o.prog.name, o.mode)] = by.get((o.prog.name, o.mode), 0) + 1
            print("\nfailures by program and mode: " + ", ".join("%s/%s %d" % (a, b, c) for (a, b), c in sorted(
                by.items())))
        if not self.o.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            print("temp dirs of failed trials kept under", self.root)
        print("%d passed, %d failed" % (total_ok, total_bad))
        return 1 if total_bad else 0


def find_binary():
    if os.environ.get("SUSPENDABLE_BIN"):
        return os.environ["SUSPENDABLE_BIN"]
    top = os.path.dirname(os.path.dirname(HERE))
    cands = [p for p in glob.glob(os.path.join(top, "build*", "suspendable")) if os.access(p, os.X_OK)]
    return max(cands, key=os.path.getmtime) if cands else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="strided subset for CI (a few minutes on 2 cores)")
    g.add_argument("--full", action="store_true", help="every capturable point of the small programs (default)")
    ap.add_argument("--bin", default=None, help="the suspendable binary (default $SUSPENDABLE_BIN or build*/)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--programs", nargs="*", default=None, help="only programs whose name contains one of these")
    ap.add_argument("--no-signal", action="store_true", help="skip signal-driven trials")
    ap.add_argument("--mutate", action="store_true", help="self-check: corrupt the references; all trials must fail")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs of failed trials")
    ap.add_argument("--show", type=int, default=8, help="how many failure causes to show with an example")
    ap.add_argument("--budget", type=int, default=None,
                    help="seconds after which remaining trials are skipped (default: 420 with --quick, none else)")
    ap.add_argument("--list", action="store_true", help="list the corpus and exit")
    o = ap.parse_args()
    if o.budget is None:
        o.budget = 420 if o.quick else 0
    o.inspect_in_quick = ("p01_nested_calls", "p13_recursion", "p12_generators")
    programs = [Program(p) for p in sorted(glob.glob(os.path.join(CORPUS, "*.py")))]
    if o.programs:
        programs = [p for p in programs if any(s in p.name for s in o.programs)]
    if o.list:
        for p in programs:
            print("%-28s %-11s %s" % (p.name, p.kind, " ".join(p.args)))
        return 0
    o.bin = o.bin or find_binary()
    if not o.bin or not os.path.exists(o.bin):
        print("no suspendable binary: pass --bin or set SUSPENDABLE_BIN\n0 passed, 1 failed")
        return 1
    o.bin = os.path.abspath(o.bin)
    if not programs:
        print("no corpus programs selected\n0 passed, 1 failed")
        return 1
    return Harness(o).run(programs)


if __name__ == "__main__":
    sys.exit(main())
