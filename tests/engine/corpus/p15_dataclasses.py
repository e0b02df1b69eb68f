# corpus: small
# covers: dataclasses (order=True, frozen, default_factory, __post_init__ doing work), lambdas defined in the
#         script and stored in data, dataclasses.replace/asdict, operator.attrgetter
import dataclasses
import operator
import os, time
from dataclasses import dataclass, field
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


@dataclass(order=True)
class Item:
    priority: int
    name: str = field(compare=False)
    tags: list = field(default_factory=list, compare=False)

    def __post_init__(self):
        self.tags.append("p%d" % self.priority)
        if self.priority > 5:
            self.tags.append("high")


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def norm1(self):
        tick()
        return abs(self.x) + abs(self.y)


items = [Item(3, "c"), Item(7, "a"), Item(1, "b"), Item(5, "d")]
for it in sorted(items):
    print("item", it.priority, it.name, it.tags)
print("max", max(items).name, "eq", Item(3, "x") == items[0])
pts = [Point(i, -i * 2) for i in range(4)]
for p in pts:
    q = dataclasses.replace(p, y=p.y + 1)
    print("point", p, q, q.norm1(), dataclasses.asdict(q))
ops = {"double": lambda v: v * 2, "neg": lambda v: -v, "sq": lambda v: v * v}
for name, fn in ops.items():
    print("op", name, [fn(p.x) for p in pts])
print("attrgetter", list(map(operator.attrgetter("name"), items)))
try:
    pts[0].x = 5
except dataclasses.FrozenInstanceError as e:
    print("frozen", type(e).__name__)
