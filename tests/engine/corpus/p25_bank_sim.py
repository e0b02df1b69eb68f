# corpus: large
# covers: a bigger mixed program (thousands of line events): classes, dict/list state, seeded Random, exceptions
#         used for control flow, with blocks, closures, generators feeding a loop
import random
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner, balance):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        self.balance += amount
        self.history.append(("dep", amount))

    def withdraw(self, amount):
        if amount > self.balance:
            raise InsufficientFunds("%s needs %d has %d" % (self.owner, amount, self.balance))
        self.balance -= amount
        self.history.append(("wd", amount))


class Ledger:
    def __init__(self):
        self.entries = 0
        self.open = False

    def __enter__(self):
        self.open = True
        return self

    def __exit__(self, *exc):
        self.open = False
        self.entries += 1
        return False


def transactions(rng, names, n):
    for i in range(n):
        a, b = rng.sample(names, 2)
        yield i, a, b, rng.randint(1, 120)


def make_fee(rate):
    collected = 0
    def fee(amount):
        nonlocal collected
        f = amount * rate // 100
        collected += f
        return f
    def total():
        return collected
    return fee, total


def simulate(seed, n):
    rng = random.Random(seed)
    names = ["ann", "bob", "cy", "dee", "eve"]
    accounts = {nm: Account(nm, 100 + 10 * i) for i, nm in enumerate(names)}
    fee, fees = make_fee(3)
    ledger = Ledger()
    failures = 0
    for i, a, b, amt in transactions(rng, names, n):
        with ledger:
            try:
                accounts[a].withdraw(amt + fee(amt))
                accounts[b].deposit(amt)
            except InsufficientFunds as e:
                failures += 1
                if failures % 5 == 1:
                    print("fail", i, e)
        if i % 10 == 0:
            snap = " ".join("%s:%d" % (nm, accounts[nm].balance) for nm in names)
            print("tx", i, snap)
            tick()
    return accounts, fees(), failures, ledger.entries


accounts, fees, failures, entries = simulate(7, 220)
for nm, acc in accounts.items():
    print(nm, acc.balance, len(acc.history), acc.history[-3:])
print("fees", fees, "failures", failures, "entries", entries)
