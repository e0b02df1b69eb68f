"""Sets iterate in the order of their hash table, which depends on the history of insertions and
deletions: after a resume they must iterate as they would have (int sets always; str sets when
PYTHONHASHSEED is fixed in both processes), sets of sets and a set an element refers back to included.

Usage: set_order.py WORKDIR [nosuspend]
"""
import os
import sys

import suspendable


class Node:
    def __init__(self, name):
        self.name = name
        self.groups = []

    def __repr__(self):
        return self.name


numbers, words = set(), set()
for i in range(40):
    numbers.add(i * 37 % 101)
    numbers.add(i * 64)
    if i % 7 == 0:
        numbers.discard(i * 64)
    words.add(f"w{i * 13}")
    if i % 5 == 0:
        words.discard(f"w{i * 13 - 13}")
frozen = frozenset(numbers)
nested = {frozenset(range(k, k + 9, 3)) for k in range(0, 300, 7)}
nodes = {Node(f"n{k}") for k in range(20)}
for node in nodes:
    node.groups.append(nodes)  # the set is reachable from its own elements
if sys.argv[2:] != ["nosuspend"]:
    suspendable.suspend(os.path.join(sys.argv[1], "sets.snap"))
print(list(numbers))
print(list(frozen))
print(list(words))
print([sorted(f) for f in nested][:8])
print(sorted(n.name for n in nodes), all(n.groups[0] is nodes for n in nodes))
print(numbers.pop(), numbers.pop(), len(numbers))
