# corpus: small
# covers: an open regular file being read (text, line by line and by read(n)), another being written (text, partly
#         unflushed), a binary file read with seek/tell; files live in a temp dir under the cwd; contents printed at end
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)

WORK = "p18_work"
os.makedirs(WORK, exist_ok=True)
for old in os.listdir(WORK):
    os.unlink(os.path.join(WORK, old))
src = os.path.join(WORK, "input.txt")
with open(src, "w") as f:
    for i in range(12):
        f.write("line %02d %s\n" % (i, "x" * i))
with open(os.path.join(WORK, "data.bin"), "wb") as f:
    f.write(bytes(range(64)))


def copy_upper(inp, out):
    n = 0
    for line in inp:
        n += 1
        out.write(line.upper())
        print("copied", n, line.rstrip())
        tick()
        if n == 6:
            out.flush()
    return n


fin = open(src)
head = fin.read(8)
print("head", repr(head), fin.tell())
fout = open(os.path.join(WORK, "output.txt"), "w")
fout.write("header\n")
count = copy_upper(fin, fout)
fin.close()
fout.write("footer %d\n" % count)
fout.close()

fb = open(os.path.join(WORK, "data.bin"), "rb")
fb.seek(10)
chunks = []
while True:
    b = fb.read(7)
    if not b:
        break
    chunks.append(b[0])
    print("chunk at", fb.tell(), list(b[:3]))
fb.close()
print("chunks", chunks)

log = open(os.path.join(WORK, "append.log"), "a")
for i in range(5):
    log.write("entry %d\n" % i)
    print("logged", i)
log.close()
for name in ("output.txt", "append.log"):
    with open(os.path.join(WORK, name)) as f:
        print("== %s ==" % name)
        print(f.read(), end="")
