"""Blob-store servers for tests, on free ports of 127.0.0.1: moto's S3 server and a small WebHDFS server.

No WebHDFS server can be installed from PyPI or Debian, so :class:`WebHdfsServer`
speaks the part of the WebHDFS REST protocol that fsspec's client uses, over a
folder: ``CREATE`` and ``APPEND`` answer with a 307 redirect to the data node
(this same server, with ``datanode=true``) that takes the bytes, ``OPEN``
redirects to the data node that sends them, and ``GETFILESTATUS``,
``LISTSTATUS``, ``MKDIRS``, ``DELETE`` and ``RENAME`` behave as HDFS's do
(a rename onto an existing file fails). It records each ``user.name`` it is sent.
"""

from __future__ import annotations

import json
import shutil
import threading
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import boto3
from moto.server import ThreadedMotoServer

S3_KEY, S3_SECRET = "test-access-key", "test-secret-key"
PREFIX = "/webhdfs/v1"

FILE_PASSING = '''
import os, tempfile
from ai_flow.context.project_context import current_project_config
from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator
from ai_flow.plugin_interface.blob_manager_interface import BlobConfig, BlobManagerFactory
from ai_flow.workflow.workflow import WorkflowPropertyKeys


def blob_manager():
    blob_config = BlobConfig(current_project_config().get(WorkflowPropertyKeys.BLOB))
    return BlobManagerFactory.create_blob_manager(blob_config.blob_manager_class(),
                                                  blob_config.blob_manager_config())


def produce():
    path = os.path.join(tempfile.mkdtemp(), "passed.txt")
    with open(path, "w") as out:
        out.write({content!r})
    print("uploaded to", blob_manager().upload(local_file_path=path))
    os.remove(path)


def consume():
    with open(blob_manager().download("passed.txt", tempfile.mkdtemp())) as file:
        text = file.read()
    assert text == {content!r}, text
    print("downloaded:", text)


with Workflow(name={name!r}) as workflow:
    produce_task = PythonOperator(name="produce", python_callable=produce{produce_options})
    consume_task = PythonOperator(name="consume", python_callable=consume{consume_options})
    consume_task.start_after(produce_task)
'''
"""A workflow whose task ``produce`` uploads ``passed.txt`` with the project's blob manager, as the spec shows,
and whose task ``consume`` downloads it into a new folder and checks its content."""

S3_PROJECT = '''
blob:
  blob_manager_class: ai_flow_plugins.blob_manager_plugins.s3_blob_manager.S3BlobManager
  blob_manager_config:
    bucket: {bucket}
    root_directory: shared
    endpoint_url: "{endpoint_url}"
    region: us-east-1
    access_key_id: project-key
    secret_access_key: project-secret
'''
"""A ``project.yaml`` whose blob manager keeps files in ``s3://<bucket>/shared``, with the project's credentials."""


def file_passing_workflow(name: str, content: str, produce_options: str = "", consume_options: str = "") -> str:
    """The source of :data:`FILE_PASSING`; the options are more arguments of each task (``, queue="q"``)."""
    return FILE_PASSING.format(name=name, content=content, produce_options=produce_options,
                               consume_options=consume_options)


class S3Server(AbstractContextManager["S3Server"]):
    """moto's S3-compatible server in a thread of this process."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def __enter__(self) -> S3Server:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    def create_bucket(self, name: str) -> str:
        """Create the bucket ``name``; return its URL (``s3://name``)."""
        return create_bucket(self.endpoint_url, name)

    def options(self, **extra: Any) -> dict[str, Any]:
        """Store options that reach this server."""
        return {"endpoint_url": self.endpoint_url, "key": S3_KEY, "secret": S3_SECRET, **extra}


def create_bucket(endpoint_url: str, name: str) -> str:
    """Create the bucket ``name`` on the S3 server at ``endpoint_url``; return its URL (``s3://name``)."""
    client = boto3.client("s3", endpoint_url=endpoint_url, region_name="us-east-1", aws_access_key_id=S3_KEY,
                          aws_secret_access_key=S3_SECRET)
    try:
        client.create_bucket(Bucket=name)
    finally:
        client.close()
    return f"s3://{name}"


class WebHdfsServer(AbstractContextManager["WebHdfsServer"]):
    """A WebHDFS name node and data node in one, keeping files below ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.users: set[str] = set()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="webhdfs", daemon=True)

    def __enter__(self) -> WebHdfsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def local(self, path: str) -> Path:
        """The file of the HDFS path ``path``."""
        return self.root / path.lstrip("/")


def _handler(server: WebHdfsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Answers in HTTP/1.0, closing each connection: no thread waits on a client's idle one."""

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read what the store did, not the request log."""

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            params = {name: values[-1] for name, values in parse_qs(url.query).items()}
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if "user.name" in params:
                server.users.add(params["user.name"])
            path = unquote(url.path[len(PREFIX):]) or "/"
            operation = getattr(self, f"_{method.lower()}_{params.get('op', '').lower()}", None)
            if not url.path.startswith(PREFIX) or operation is None:
                self._json(400, _remote("IllegalArgumentException", f"unsupported: {method} {params.get('op')}"))
                return
            operation(path, params, body)

        def _get_getfilestatus(self, path: str, params: dict[str, str], body: bytes) -> None:
            file = server.local(path)
            if not file.exists():
                self._missing(path)
            else:
                self._json(200, {"FileStatus": _status(file, "")})

        def _get_liststatus(self, path: str, params: dict[str, str], body: bytes) -> None:
            folder = server.local(path)
            if not folder.exists():
                self._missing(path)
                return
            entries = sorted(folder.iterdir()) if folder.is_dir() else [folder]
            statuses = [_status(entry, entry.name if folder.is_dir() else "") for entry in entries]
            self._json(200, {"FileStatuses": {"FileStatus": statuses}})

        def _put_mkdirs(self, path: str, params: dict[str, str], body: bytes) -> None:
            server.local(path).mkdir(parents=True, exist_ok=True)
            self._json(200, {"boolean": True})

        def _put_create(self, path: str, params: dict[str, str], body: bytes) -> None:
            if params.get("datanode") != "true":
                self._redirect(path, params)
                return
            file = server.local(path)
            if file.exists() and params.get("overwrite") != "true":
                self._json(403, _remote("FileAlreadyExistsException", f"{path} already exists"))
                return
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(body)
            self._empty(201)

        def _post_append(self, path: str, params: dict[str, str], body: bytes) -> None:
            if (file := self._on_datanode(path, params)) is not None:
                with file.open("ab") as out:
                    out.write(body)
                self._empty(200)

        def _get_open(self, path: str, params: dict[str, str], body: bytes) -> None:
            if (file := self._on_datanode(path, params)) is not None:
                data = file.read_bytes()
                offset = int(params.get("offset", 0))
                length = int(params.get("length", len(data)))
                self._bytes(data[offset:offset + length])

        def _on_datanode(self, path: str, params: dict[str, str]) -> Path | None:
            """The existing file at ``path`` once the request reached the "datanode"; else answered here."""
            file = server.local(path)
            if not file.is_file():
                self._missing(path)
            elif params.get("datanode") != "true":
                self._redirect(path, params)
            else:
                return file
            return None

        def _delete_delete(self, path: str, params: dict[str, str], body: bytes) -> None:
            target = server.local(path)
            if target.is_dir() and (params.get("recursive") == "true" or not any(target.iterdir())):
                shutil.rmtree(target)
            elif target.is_file():
                target.unlink()
            else:
                self._json(200, {"boolean": False})
                return
            self._json(200, {"boolean": True})

        def _put_rename(self, path: str, params: dict[str, str], body: bytes) -> None:
            source, target = server.local(path), server.local(params.get("destination", ""))
            moved = source.exists() and not target.exists() and target.parent.is_dir()
            if moved:
                source.rename(target)
            self._json(200, {"boolean": moved})

        def _redirect(self, path: str, params: dict[str, str]) -> None:
            query = urlencode({**params, "datanode": "true"})
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{server.port}{PREFIX}{path}?{query}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _missing(self, path: str) -> None:
            self._json(404, _remote("FileNotFoundException", f"File does not exist: {path}"))

        def _json(self, status: int, value: object) -> None:
            self._send(status, json.dumps(value).encode(), "application/json")

        def _bytes(self, data: bytes) -> None:
            self._send(200, data, "application/octet-stream")

        def _empty(self, status: int) -> None:
            self._send(status, b"", "application/octet-stream")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _status(path: Path, suffix: str) -> dict[str, Any]:
    stat = path.stat()
    return {"pathSuffix": suffix, "type": "DIRECTORY" if path.is_dir() else "FILE",
            "length": 0 if path.is_dir() else stat.st_size, "modificationTime": int(stat.st_mtime * 1000),
            "accessTime": int(stat.st_atime * 1000), "permission": "755", "owner": "hdfs", "group": "hdfs",
            "replication": 1, "blockSize": 134217728}


def _remote(exception: str, message: str) -> dict[str, Any]:
    return {"RemoteException": {"exception": exception, "javaClassName": f"java.io.{exception}", "message": message}}
