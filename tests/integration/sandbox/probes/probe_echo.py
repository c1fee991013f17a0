"""Answers each line of stdin with the line upper-cased; writes ``<count> bytes`` lines of noise to stderr first.

Argument: how many bytes of noise to write to stderr before answering, then the last line ``noise done``.
"""

import sys

noise = int(sys.argv[1])
while noise > 0:
    chunk = min(noise, 65536)
    sys.stderr.write("x" * (chunk - 1) + "\n")
    noise -= chunk
sys.stderr.write("noise done\n")
sys.stderr.flush()
for line in sys.stdin:
    sys.stdout.write(line.upper())
    sys.stdout.flush()
