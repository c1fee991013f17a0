"""Reports what a sandboxed process can see and do, as one JSON document on stdout.

Arguments: a file to read, a TCP port to connect to, a pid to signal, a folder outside the sandbox to write in.
"""

import ctypes
import json
import os
import resource
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)


def attempt(action):
    try:
        action()
    except OSError as error:
        return error.strerror
    return "ok"


def read(path):
    with open(path, "rb") as file:
        file.read(1)


def connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def write_in(folder):
    with open(os.path.join(folder, "escaped.txt"), "w") as file:
        file.write("escaped")


def capabilities():
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    libc.capget(header, data)
    bounding = [cap for cap in range(64) if libc.prctl(23, cap, 0, 0, 0) == 1]
    return {"effective": data[0] | data[3], "permitted": data[1] | data[4], "bounding": bounding}


secret_file, port, pid, outside = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
report = {
    "environment": dict(os.environ),
    "cwd": os.getcwd(),
    "uid": os.getuid(),
    "no_new_privs": libc.prctl(39, 0, 0, 0, 0),
    "capabilities": capabilities(),
    "limits": {name: resource.getrlimit(getattr(resource, name))
               for name in ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE")},
    "read_secret": attempt(lambda: read(secret_file)),
    "read_own_package": attempt(lambda: read(os.path.join(os.path.dirname(json.__file__), "__init__.py"))),
    "write_cwd": attempt(lambda: write_in(os.getcwd())),
    "write_outside": attempt(lambda: write_in(outside)),
    "connect": attempt(lambda: connect(port)),
    "signal": attempt(lambda: os.kill(pid, 0)),
}
json.dump(report, sys.stdout)
