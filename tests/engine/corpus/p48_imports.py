# corpus: small
# covers: modules imported again and again while the program runs (importlib.import_module after dropping them
#         from sys.modules): a request that arrives during an import waits for it to finish (importlib's
#         locks and the half-imported module cannot travel), then the loop goes on
import importlib
import os
import shutil
import sys
import time

SLOW = float(os.environ.get("CORPUS_SLOW") or 0)

where = os.path.abspath("p48-modules")  # in the working directory (tempfile's own state is a module's)
os.makedirs(where, exist_ok=True)
for i in range(12):
    with open(os.path.join(where, "p48_mod%d.py" % i), "w") as f:
        f.write("import time, os\nif os.environ.get('CORPUS_SLOW'):\n    time.sleep(float(os.environ['CORPUS_SLOW']))\n"
                "VALUE = %d\nSQUARES = [v * v for v in range(%d)]\n" % (i * 7, i + 3))
sys.path.insert(0, where)
total = 0
for rnd in range(4):
    for i in range(12):
        name = "p48_mod%d" % i
        sys.modules.pop(name, None)
        mod = importlib.import_module(name)
        total += mod.VALUE + sum(mod.SQUARES)
        del mod  # a module travels by reference: none is held once its file is gone
    print("round", rnd, total)
sys.path.remove(where)
for i in range(12):
    os.remove(os.path.join(where, "p48_mod%d.py" % i))
shutil.rmtree(where)  # and the bytecode the imports wrote (unless PYTHONDONTWRITEBYTECODE is set)
print("done", total)
