# corpus: small
# covers: property getters doing work (called from C: descriptor protocol), __getattr__ fallback doing work,
#         custom descriptors (__get__/__set__), __setattr__ override, cached computations
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class Clamped:
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __set_name__(self, owner, name):
        self.attr = "_" + name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        v = getattr(obj, self.attr, self.lo)
        return v

    def __set__(self, obj, value):
        value = max(self.lo, min(self.hi, value))
        setattr(obj, self.attr, value)


class Config:
    level = Clamped(0, 10)

    def __init__(self, **kw):
        self._data = dict(kw)
        self.reads = 0

    def __getattr__(self, name):
        data = self.__dict__.get("_data", {})
        if name in data:
            self.reads += 1
            tick()
            return data[name]
        raise AttributeError(name)

    @property
    def summary(self):
        parts = []
        for k in sorted(self._data):
            parts.append("%s=%s" % (k, self._data[k]))
        tick()
        return ",".join(parts)


class Audited:
    def __init__(self):
        object.__setattr__(self, "changes", [])

    def __setattr__(self, name, value):
        self.changes.append(name)
        object.__setattr__(self, name, value)


cfg = Config(alpha=1, beta="two", gamma=[3])
for step in range(4):
    print("alpha", cfg.alpha + step, "beta", cfg.beta, "reads", cfg.reads)
    print("summary", cfg.summary)
    cfg.level = step * 4
    print("level", cfg.level)
try:
    cfg.missing
except AttributeError as e:
    print("missing", e)
au = Audited()
for i in range(3):
    au.x = i
    setattr(au, "y%d" % i, i)
print("audited", au.changes, au.x, getattr(au, "y2"))
print("descriptor class access", type(Config.level).__name__)
