# corpus: unsaveable
# covers: a frame local holding a socket (cannot be saved): a suspend request must be refused, the program must keep
#         running unchanged and complete, and stderr must name the object (frame work() local 'sock')
import socket
import os, time
SLOW = float(os.environ.get("CORPUS_SLOW") or 0)
def tick():
    if SLOW: time.sleep(SLOW)


def work(rounds):
    sock, peer = socket.socketpair()
    total = 0
    for i in range(rounds):
        msg = ("ping %d" % i).encode()
        sock.sendall(msg)
        data = peer.recv(64)
        total += len(data)
        print("round", i, data.decode(), total)
        tick()
    sock.close()
    peer.close()
    return total


print("result", work(25))
