"""A task reading its environment: what a task process of a real worker gets, and what it cannot reach.

One worker runs for the whole module, laid out as in production: its homes (``aiflow_server.yaml`` with
the worker token, the Redis password file in ``NOTIFICATION_HOME``, the run and log folders) outside
``/tmp``, and secrets planted in its environment. Its tasks, run as the scheduler would start them, are
the attacks: one dumps its environment, one tries to read every secret and to reach the worker's
processes, while a task of another execution runs beside them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis
from celery import Celery

from aiflow.config import ServerConfig
from aiflow.notification.notification_client import TASK_RUNTIME_ENV
from aiflow.sandbox import landlock
from aiflow.sandbox.identity import unprivileged_identity
from notification.client import NotificationClient
from notification.embedded import PASSWORD_FILE, EmbeddedServer
from tests.integration.workers.conftest import WorkerProcess, statuses, wait_for_status
from tests.integration.workers.snapshot_server import TOKEN, SnapshotServer
from tests.support import wait_until
from workers.celery_app import create_app
from workers.jobs import START_TASK
from workers.logs import log_path
from workers.payloads import StartTask

SNAPSHOT_ID = 11
ENTRY = "workflow.py"
NOTE = "note-" + uuid.uuid4().hex
"""What a task of another execution leaves in its run folder and its log."""

WORKFLOW = '''
import ctypes, errno, json, os, signal, tempfile, time

from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.operators.python import PythonOperator
from aiflow.sandbox import landlock

HERE = os.path.dirname(os.path.abspath(__file__))


def attempt(action):
    try:
        action()
    except OSError as error:
        return errno.errorcode[error.errno]
    return "ok"


def read(path):
    with open(path, "rb") as file:
        file.read()


def parent_of(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def trace(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, pid, None, None) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
    libc.ptrace(17, pid, None, None)


def write_into(folder):
    fd, path = tempfile.mkstemp(dir=folder)
    os.close(fd)
    os.unlink(path)


def leave_note():
    with open(os.path.join(HERE, "note.txt"), "w") as note:
        note.write(SETUP["note"])
    print(SETUP["note"], flush=True)


def dump_environment():
    print("ENVIRONMENT " + json.dumps(dict(os.environ)), flush=True)


def probe():
    workflow_server = os.getppid()
    fork_server = parent_of(workflow_server)
    worker = parent_of(fork_server)
    with open(os.path.join(HERE, "bystander.pid")) as pid_file:
        sibling = int(pid_file.read())  # a try of the same execution, forked by the same workflow server
    servers = [("worker", worker), ("fork_server", fork_server), ("workflow_server", workflow_server)]
    report = {
        "pids": {"worker": worker, "fork_server": fork_server, "workflow_server": workflow_server},
        "uid": os.getuid(),
        "server_config": attempt(lambda: read(SETUP["config"])),
        "redis_password": attempt(lambda: read(SETUP["password"])),
        "other_run": attempt(lambda: read(os.path.join(os.path.dirname(HERE), SETUP["other"], "note.txt"))),
        "other_log": attempt(lambda: read(SETUP["other_log"])),
        "environ": {name: attempt(lambda: read(f"/proc/{pid}/environ"))
                    for name, pid in [*servers, ("sibling", sibling)]},
        "trace": {name: attempt(lambda: trace(pid)) for name, pid in [*servers, ("sibling", sibling)]},
        "signal": {name: attempt(lambda: os.kill(pid, 0)) for name, pid in servers},
        # a real stop where Landlock scopes signals; elsewhere a probe only (tries of one user may signal each other)
        "signal_sibling": attempt(lambda: os.kill(sibling, signal.SIGTERM if landlock.abi_version() >= 6 else 0)),
        "own_folder": attempt(lambda: write_into(HERE)),
        "tmp": attempt(lambda: write_into("/tmp")),
        "data": attempt(lambda: read(SETUP["data"])),
    }
    print("PROBE " + json.dumps(report), flush=True)


def bystander():
    with open(os.path.join(HERE, "bystander.pid"), "w") as pid_file:
        pid_file.write(str(os.getpid()))
    while not os.path.exists(SETUP["go"]):
        time.sleep(0.05)


with Workflow(name="attacks") as workflow:
    PythonOperator(name="leave_note", python_callable=leave_note)
    PythonOperator(name="dump_environment", python_callable=dump_environment)
    PythonOperator(name="probe", python_callable=probe)
    PythonOperator(name="bystander", python_callable=bystander)
    BashOperator(name="after", bash_command="echo still working")
'''


@dataclass(frozen=True)
class Findings:
    """What the attacks found, and the worker's state afterwards."""

    environment: dict[str, str]
    probe: dict[str, object]
    task_logs: dict[str, str]
    worker_log: str
    bystander: list[str]
    after: str
    worker_alive: bool
    redis_password: str


def package(setup: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(ENTRY, f"SETUP = {setup!r}\n" + textwrap.dedent(WORKFLOW))
    return buffer.getvalue()


def job(task_name: str, task_execution_id: int, workflow_execution_id: int) -> StartTask:
    return StartTask(task_execution_id, 1, workflow_execution_id=workflow_execution_id, namespace="default",
                     workflow_name="attacks", task_name=task_name, snapshot_id=SNAPSHOT_ID, sequence_number=1)


def line_after(text: str, marker: str) -> str:
    return next(line[len(marker):] for line in text.splitlines() if line.startswith(marker))


@pytest.fixture(scope="module")
def homes() -> Iterator[Path]:
    """A worker's homes outside ``/tmp`` (as ``~/aiflow`` would be), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="aiflow-taskjail-", dir="/var/tmp"))
    yield base
    shutil.rmtree(base)


@pytest.fixture(scope="module")
def findings(homes: Path, redis_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Findings]:
    """Run the attacks on a real worker with its fork server; yield what they found while the worker still runs."""
    outside = tmp_path_factory.mktemp("outside")  # data folders of the machine, and the worker's own log
    (outside / "rows.csv").write_text("1,2\n")
    aiflow_home, notification_home = homes / "aiflow", homes / "notification"
    log_dir = aiflow_home / "logs"
    password = redis_server.password()
    note_job = job("leave_note", 1, workflow_execution_id=3)
    setup = {"note": NOTE, "config": str(aiflow_home / "aiflow_server.yaml"),
             "password": str(notification_home / PASSWORD_FILE), "other": "3",
             "other_log": str(log_path(log_dir, note_job)), "data": str(outside / "rows.csv"),
             "go": str(outside / "go")}
    snapshots = SnapshotServer()
    snapshots.add(SNAPSHOT_ID, package(setup), ENTRY)
    snapshots.start()
    redis.Redis.from_url(redis_server.url).flushall()
    for folder, name, text in [(aiflow_home, "aiflow_server.yaml", textwrap.dedent(f"""\
            worker_token: {TOKEN}
            notification_server_uri: redis://127.0.0.1:{redis_server.port}/0
            api_server_address: {snapshots.address}
            task_heartbeat_interval: 1
            task_heartbeat_timeout: 3
            task_environment_drop: TASKJAIL_DROPPED_*
            """)), (notification_home, PASSWORD_FILE, password)]:
        folder.mkdir(mode=0o700)
        (folder / name).write_text(text)
        (folder / name).chmod(0o600)
    planted = {"AIFLOW_HOME": str(aiflow_home), "NOTIFICATION_HOME": str(notification_home),
               "AIFLOW_TEST_MARKER": "x", "NOTIFICATION_SERVER_URI": redis_server.url,
               "CELERY_BROKER_URL": redis_server.url, "REDISCLI_AUTH": password, "UPSTREAM_AUTH": f"Bearer {TOKEN}",
               "TASKJAIL_DROPPED_NAME": "x",
               "DATA_FOLDER": str(outside)}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in planted.items():
            patch.setenv(name, value)
        worker = WorkerProcess(outside / "worker.log")
    producer = create_app(ServerConfig(notification_server_uri=redis_server.url))
    try:
        with worker, NotificationClient(redis_server.url) as bus:
            yield _attack(producer, bus, worker, note_job, setup, log_dir, password)
    finally:
        producer.close()
        snapshots.stop()


def _attack(producer: Celery, bus: NotificationClient, worker: WorkerProcess, note_job: StartTask,
            setup: dict[str, str], log_dir: Path, password: str) -> Findings:
    def run(start: StartTask, status: str = "SUCCESS") -> None:
        producer.send_task(START_TASK, kwargs=start.to_kwargs(), queue="aiflow")
        if status:
            wait_for_status(bus, start, status, timeout=30)

    bystander, dump, probe, after = (job("bystander", 2, 5), job("dump_environment", 3, 4), job("probe", 4, 5),
                                     job("after", 5, 6))
    run(bystander, "RUNNING")
    run(note_job)
    run(dump)
    run(probe)
    Path(setup["go"]).touch()
    wait_for_status(bus, bystander, "SUCCESS")
    run(after)
    logs = {str(path): path.read_text() for path in log_dir.rglob("*.log")}
    dump_log, probe_log = logs[str(log_path(log_dir, dump))], logs[str(log_path(log_dir, probe))]
    return Findings(
        environment=json.loads(line_after(dump_log, "ENVIRONMENT ")), probe=json.loads(line_after(probe_log, "PROBE ")),
        task_logs=logs, worker_log=worker.log_file.read_text(),
        bystander=[status for status, _ in statuses(bus, bystander)],
        after=logs[str(log_path(log_dir, after))], worker_alive=worker.alive(), redis_password=password,
    )


def test_a_task_gets_no_variable_of_the_worker_and_no_value_holding_a_secret(findings: Findings) -> None:
    environment = findings.environment
    worker_names = [name for name in environment if name.upper().startswith(
        ("AIFLOW_", "NOTIFICATION_", "CELERY_", "REDIS"))]

    assert worker_names == [TASK_RUNTIME_ENV]  # the try's own runtime, set by the worker
    assert "UPSTREAM_AUTH" not in environment  # its value holds the worker token
    assert "TASKJAIL_DROPPED_NAME" not in environment  # task_environment_drop
    assert environment["DATA_FOLDER"] and environment["PYTHONPATH"]
    others = json.dumps({name: value for name, value in environment.items() if name != TASK_RUNTIME_ENV})
    assert TOKEN not in others and findings.redis_password not in others
    assert TOKEN not in environment[TASK_RUNTIME_ENV]


def test_the_runtime_variable_holds_no_redis_password(findings: Findings) -> None:
    assert findings.redis_password not in findings.environment[TASK_RUNTIME_ENV]


def test_a_task_cannot_read_the_worker_config_the_redis_password_other_runs_or_logs(findings: Findings) -> None:
    probe = findings.probe

    assert (probe["server_config"], probe["redis_password"]) == ("EACCES", "EACCES")
    assert (probe["other_run"], probe["other_log"]) == ("EACCES", "EACCES")


def test_a_task_cannot_read_or_trace_or_signal_its_worker_its_servers_or_a_try_of_its_own_execution(
    findings: Findings,
) -> None:
    probe = findings.probe
    others = ["worker", "fork_server", "workflow_server", "sibling"]

    assert probe["environ"] == dict.fromkeys(others, "EACCES")  # the sibling's holds its try's token
    assert probe["trace"] == dict.fromkeys(others, "EPERM")
    if landlock.abi_version() >= landlock.SCOPES_ABI:
        assert probe["signal"] == dict.fromkeys(others[:3], "EPERM")
        assert probe["signal_sibling"] == "EPERM"


def test_a_task_keeps_its_own_folder_tmp_and_the_machine_s_data(findings: Findings) -> None:
    assert (findings.probe["own_folder"], findings.probe["tmp"], findings.probe["data"]) == ("ok", "ok", "ok")


def test_no_secret_reaches_any_log(findings: Findings) -> None:
    assert NOTE in "".join(findings.task_logs.values())  # the logs were read
    for path, text in {**findings.task_logs, "worker": findings.worker_log}.items():
        assert TOKEN not in text, path
        assert findings.redis_password not in text, path


def test_the_worker_and_a_bystander_task_keep_working(findings: Findings) -> None:
    assert findings.bystander == ["RUNNING", "SUCCESS"]
    assert "still working" in findings.after
    assert findings.worker_alive


def test_a_root_worker_runs_tasks_as_the_task_user(findings: Findings, homes: Path) -> None:
    identity = unprivileged_identity("nobody", "task processes", (str(homes / "aiflow" / "worker"),))
    if identity is None:
        pytest.skip("not root, or user nobody cannot run this interpreter (Python under /root, mode 0700)")

    assert findings.probe["uid"] == identity[0]
    assert (homes / "aiflow" / "worker" / "runs" / "4").stat().st_uid == identity[0]


WITHOUT_CAPABILITIES = "from aiflow.sandbox.confine import give_up_privileges; give_up_privileges(None, None)\n"
"""Python that leaves this process of this user without any capability (and without Landlock)."""


def capability_less_read(path: str) -> str:
    """Read ``path`` from a process of this user without capabilities and without Landlock; return the outcome."""
    code = WITHOUT_CAPABILITIES + textwrap.dedent("""\
        import errno, sys
        try:
            open(sys.argv[1], "rb").read()
            print("ok")
        except OSError as error:
            print(errno.errorcode[error.errno])
    """)
    return subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True).stdout.strip()


@contextmanager
def process_without_capabilities() -> Iterator[int]:
    """A dumpable process of this user that holds no capability; yield its pid once it has dropped them."""
    with subprocess.Popen([sys.executable, "-c", WITHOUT_CAPABILITIES + "import time; time.sleep(60)"]) as process:
        try:
            wait_until(lambda: "CapPrm:\t0000000000000000" in Path(f"/proc/{process.pid}/status").read_text(),
                       message="the process to drop its capabilities")
            yield process.pid
        finally:
            process.send_signal(signal.SIGKILL)


def test_a_worker_clears_its_dumpable_flag_so_even_without_landlock_a_task_of_its_user_cannot_read_it(
    findings: Findings, homes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker of a plain user holds no capability, nor do its tasks: the kernel's dumpable check is what is left.

    (A root worker is also out of reach because a task has fewer capabilities than it.)
    """
    monkeypatch.setenv("AIFLOW_HOME", str(homes / "aiflow"))
    monkeypatch.setenv("NOTIFICATION_HOME", str(homes / "notification"))
    celery = ["-m", "celery", "-A", "workers", "worker", "--concurrency=1", "--queues=unused", "--loglevel=INFO",
              "--without-mingle", "--without-gossip"]
    start = WITHOUT_CAPABILITIES + "import os, sys; os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    with WorkerProcess(tmp_path / "worker.log", [sys.executable, "-c", start, *celery]) as worker, \
            process_without_capabilities() as plain:
        processes = wait_until(lambda: _with_fork_server(worker.pid), message="the worker's fork server")
        assert capability_less_read(f"/proc/{plain}/environ") == "ok"  # the control: a dumpable process
        for process in processes:
            assert capability_less_read(f"/proc/{process}/environ") == "EACCES", psutil.Process(process).cmdline()


def _with_fork_server(worker: int) -> list[int]:
    """The worker's processes once its fork server serves (it has forked its spare): worker, server, spare.

    Empty before: between its exec and clearing its flag, the server is briefly dumpable.
    """
    tree = psutil.Process(worker).children(recursive=True)
    servers = [child for child in tree if "workers.runtime.zygote" in child.cmdline()]
    return [worker, *(child.pid for child in tree)] if any(server.children() for server in servers) else []


CONFINED_READ = textwrap.dedent("""\
    import errno, sys
    from pathlib import Path
    from workers.runtime.confinement import TaskConfinement
    from workers.runtime.jail import TryJail
    protected, target, abi = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    TryJail(TaskConfinement(None, abi, (str(protected),), ())).prepare().enter(protected / "run")
    try:
        open(target, "rb").read()
        print("ok")
    except OSError as error:
        print(errno.errorcode[error.errno])
""")


@pytest.mark.skipif(landlock.abi_version() == 0, reason="the kernel has no Landlock")
def test_landlock_alone_keeps_a_task_from_the_proc_files_of_processes_outside_it(tmp_path: Path) -> None:
    """A dumpable process of the same user and no more capabilities: only Landlock stands between the two."""
    (tmp_path / "protected" / "run").mkdir(parents=True)
    with process_without_capabilities() as target:
        outcomes = [subprocess.run(
            [sys.executable, "-c", CONFINED_READ, str(tmp_path / "protected"), f"/proc/{target}/environ", str(abi)],
            capture_output=True, text=True, check=True).stdout.strip() for abi in (0, landlock.abi_version())]

    assert outcomes == ["ok", "EACCES"]


SWITCHED = textwrap.dedent("""\
    import errno, json, os, sys
    from pathlib import Path
    from workers.runtime.confinement import TaskConfinement
    from workers.runtime.jail import TryJail
    work, run, config, abi = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    TryJail(TaskConfinement((65534, 65534), abi, (str(work),), ())).prepare().enter(run)
    (run / "written").write_text("x")  # by its absolute path, as a task does
    try:
        open(config).read()
        config_read = "ok"
    except OSError as error:
        config_read = errno.errorcode[error.errno]
    print(json.dumps({"uid": os.getuid(), "groups": os.getgroups(), "config": config_read,
                      "capabilities": open("/proc/self/status").read().split("CapEff:")[1].split()[0]}))
""")


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_a_root_try_switches_to_the_task_user_which_owns_its_run_folder_and_not_the_worker_s_files() -> None:
    """The jail alone, in a process that imported everything beforehand: the task user need not run Python here."""
    base = Path(tempfile.mkdtemp(prefix="aiflow-taskjail-", dir="/var/tmp"))
    try:
        base.chmod(0o711)
        work = base / "work"
        run = work / "runs" / "5"
        for folder in (work, work / "runs", run):
            folder.mkdir(mode=0o700)  # as a worker makes them
        work.chmod(0o711)  # the task user must reach worker_work_dir (checked when the worker starts)
        (run / "workflow.py").write_text("")
        config = base / "aiflow_server.yaml"
        config.write_text("worker_token: x\n")
        config.chmod(0o600)
        outcome = [json.loads(subprocess.run(
            [sys.executable, "-c", SWITCHED, str(work), str(run), str(config), str(abi)],
            capture_output=True, text=True, check=True).stdout) for abi in (0, landlock.abi_version())]

        for seen in outcome:
            assert (seen["uid"], seen["groups"], seen["capabilities"]) == (65534, [], "0000000000000000")
            assert seen["config"] == "EACCES"  # file permissions alone keep it out, with or without Landlock
        assert {path.stat().st_uid for path in (run, run / "workflow.py", run / "written")} == {65534}
        assert (work / "runs").stat().st_mode & 0o777 == 0o711  # passed through, not listed
    finally:
        shutil.rmtree(base)
