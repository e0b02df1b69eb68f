"""Process settings and objects a resume must keep as they were (found by black-box runs): a mapping
proxy's link to its dict (singledispatch's registry), TZ applied, stdout's reconfigure(), gc, umask and
the switch interval, an ABC instance held by an lru_cache of its own method, a NamedTemporaryFile, a
delegating __getattr__ proxy.

Usage: process_settings.py WORKDIR [nosuspend]
"""
import abc, functools, gc, os, sys, tempfile, time, types
import suspendable

WORKDIR = sys.argv[1]
d = {"a": 1}; mp = types.MappingProxyType(d)
@functools.singledispatch
def f(x): return "obj"
@f.register
def _(x: int): return "int"
os.environ["TZ"] = "Asia/Tokyo"; time.tzset()
sys.stdout.reconfigure(errors="replace")
gc.disable(); gc.set_threshold(1234, 5, 6)
os.umask(0o027); sys.setswitchinterval(0.002)
class Base(abc.ABC):
    @abc.abstractmethod
    def run(self, x): ...
class Impl(Base):
    @functools.lru_cache(maxsize=None)
    def run(self, x): return x * 2
obj = Impl(); obj.run(1)
nt = tempfile.NamedTemporaryFile("w+", dir=WORKDIR); nt.write("x\n")
class Proxy:
    def __init__(self, t): self._target = t
    def __getattr__(self, n): return getattr(self._target, n)
p = Proxy([3, 1])
if sys.argv[2:] != ["nosuspend"]:
    suspendable.suspend(os.path.join(WORKDIR, "settings.snap"))
d["b"] = 2; f.register(float, lambda x: "float")
print(sorted(mp), float in f.registry, f(1.5), f(1))
print(os.environ["TZ"], time.tzname, time.strftime("%H:%M %Z", time.localtime(0)))
print(sys.stdout.errors, gc.isenabled(), gc.get_threshold(), oct(os.umask(0)), sys.getswitchinterval())
print(obj.run(21), obj.run.cache_info().hits)
nt.seek(0); print(repr(nt.read())); nt.close(); print(os.path.exists(nt.name))
p.sort(); print(p._target)
