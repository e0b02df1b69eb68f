"""sys.stdout / sys.stderr of the kernel: text goes to the C++ stream buffer, which publishes it
while the cell runs (batched every 50 ms) and before any display or result."""
import io

import _suspendable_kernel


class OutStream(io.TextIOBase):
    def __init__(self, name):
        super().__init__()
        self.name = name

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        # There is no file descriptor behind a kernel stream (as in ipykernel without fd capture).
        raise io.UnsupportedOperation("fileno")

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        _suspendable_kernel.stream_write(self.name, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        _suspendable_kernel.flush_streams()


def install():
    import sys

    from suspendable import graph

    sys.stdout = OutStream("stdout")
    sys.stderr = OutStream("stderr")
    # A session saved here and resumed elsewhere writes to that process's streams.
    graph.register_process_stream("stdout", sys.stdout)
    graph.register_process_stream("stderr", sys.stderr)
