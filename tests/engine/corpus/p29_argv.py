# corpus: small
# args: alpha 42 --flag
# covers: sys.argv with arguments, __file__ (basename), __name__ == "__main__", argument parsing with argparse,
#         os.environ lookups with defaults, cwd-relative paths
import argparse
import os, sys, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def main(argv):
    p = argparse.ArgumentParser(prog="p29")
    p.add_argument("word")
    p.add_argument("num", type=int)
    p.add_argument("--flag", action="store_true")
    ns = p.parse_args(argv[1:])
    print("argv0", os.path.basename(argv[0]), "file", os.path.basename(__file__))
    print("args", ns.word, ns.num, ns.flag)
    total = 0
    for i in range(ns.num % 10 + 5):
        total += len(ns.word) * i
        print("loop", i, total)
        tick()
    print("env default", os.environ.get("P29_SURELY_UNSET", "unset"))
    print("cwd is a dir", os.path.isdir(os.getcwd()))
    return 0 if ns.flag else 2


if __name__ == "__main__":
    print("name", __name__)
    sys.exit(main(sys.argv))
