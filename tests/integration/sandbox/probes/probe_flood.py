"""Writes ``<megabytes>`` MiB to stdout, or allocates ``<gigabytes>`` GiB: ``flood <MiB>`` or ``allocate <GiB>``."""

import sys

what, amount = sys.argv[1], int(sys.argv[2])
if what == "flood":
    block = b"y" * (1024 * 1024)
    for _ in range(amount):
        sys.stdout.buffer.write(block)
else:
    hoard = bytearray(amount * 1024**3)
    print(len(hoard))
