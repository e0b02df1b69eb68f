# corpus: large
# covers: a small stack-machine interpreter (thousands of line events): dispatch dict of Python functions, while
#         loop with a program counter, nested calls, lists used as stacks, string formatting of state
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def op_push(vm, arg):
    vm["stack"].append(arg)


def op_add(vm, arg):
    b = vm["stack"].pop()
    a = vm["stack"].pop()
    vm["stack"].append(a + b)


def op_mul(vm, arg):
    b = vm["stack"].pop()
    a = vm["stack"].pop()
    vm["stack"].append(a * b)


def op_dup(vm, arg):
    vm["stack"].append(vm["stack"][-1])


def op_load(vm, arg):
    vm["stack"].append(vm["vars"].get(arg, 0))


def op_store(vm, arg):
    vm["vars"][arg] = vm["stack"].pop()


def op_jlt(vm, arg):
    limit = vm["stack"].pop()
    v = vm["stack"].pop()
    if v < limit:
        vm["pc"] = arg - 1


def op_print(vm, arg):
    print("vm out", vm["stack"][-1], "pc", vm["pc"], "vars", sorted(vm["vars"].items()))
    tick()


OPS = {"push": op_push, "add": op_add, "mul": op_mul, "dup": op_dup, "load": op_load,
       "store": op_store, "jlt": op_jlt, "print": op_print}


def run(program, limit=100000):
    vm = {"stack": [], "vars": {}, "pc": 0}
    steps = 0
    while vm["pc"] < len(program) and steps < limit:
        name, arg = program[vm["pc"]]
        OPS[name](vm, arg)
        vm["pc"] += 1
        steps += 1
    return vm, steps


# i = 0; acc = 1; loop: acc = acc * 3 + i (mod via small numbers), i += 1, print every iteration, until i < 40
PROGRAM = [
    ("push", 0), ("store", "i"), ("push", 1), ("store", "acc"),
    ("load", "acc"), ("push", 3), ("mul", None), ("load", "i"), ("add", None), ("store", "acc"),
    ("load", "i"), ("push", 1), ("add", None), ("dup", None), ("store", "i"),
    ("load", "acc"), ("print", None), ("store", "last"),
    ("load", "i"), ("push", 40), ("jlt", 4),
]
vm, steps = run(PROGRAM)
print("final steps", steps, "stack", vm["stack"], "acc digits", len(str(vm["vars"]["acc"])))
