"""Start the tools the tests run in a fraction of a second instead of ~9: a fork server.

A fresh interpreter spends about 9 s of this machine's time importing torch, mmengine,
mmcv, mmpretrain and mmdet before a tool's first line runs, and the tests start well over a
hundred tool processes. The server is a fresh interpreter of its own that imports those
libraries once (never the plugin: a tool or config that forgot to import it must still fail
as it would for a user), computes nothing, and forks one child per request. The child is a
real process: its own pid, process group and session on request, signals (SIGKILL,
SIGTERM), exit status, file descriptors and data-loader workers. It runs the tool as
``python TOOL ARGS`` would: ``__main__`` through :mod:`runpy` (or ``-c`` / ``-m``),
``sys.argv``, working directory, environment, ``sys.path[0]`` and ``PYTHONPATH``, fresh
``random`` / numpy seeds (torch's start-up seed as in a fresh interpreter), the thread
count of ``OMP_NUM_THREADS``, uncaught exceptions through ``sys.excepthook``, ``atexit``
handlers at the end. This is what a DataLoader worker already is (a fork of a process
that imported these libraries).

What a fresh interpreter is the subject of keeps ``subprocess``: bit-identical training
in two fresh processes, the wheel installed outside the checkout, and whatever torchrun
starts (it launches its own workers).

    process = popen(['tools/train.py', config, '--work-dir', path], stdout=DEVNULL)
    result = run(['tools/knn_eval.py', ...])      # like subprocess.run(capture_output=True)
"""
import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# what every tool process imports before the plugin does (about 8 of its 9 s)
PRELOAD = ('torch', 'torchvision', 'mmengine.runner', 'mmcv', 'mmpretrain.models',
           'mmpretrain.datasets', 'mmpretrain.engine', 'mmpretrain.evaluation', 'mmdet.models',
           'mmdet.datasets', 'mmdet.evaluation', 'mmdet.engine', 'sklearn.linear_model',
           'sklearn.neighbors', 'matplotlib.pyplot')
TORCH_START_SEED = 67280421310721  # torch.initial_seed() of a fresh interpreter
MAX_MESSAGE = 1 << 20


# -- the server --------------------------------------------------------------------------
def serve(path):
    import importlib
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for name in PRELOAD:
            importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(64)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    children = {}  # pid -> the connection that asked for it
    while True:
        ready, _, _ = select.select([listener, wake_read, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            break  # the test process that owns this server is gone
        if wake_read in ready:
            while True:
                try:
                    if not os.read(wake_read, 512):
                        break
                except BlockingIOError:
                    break
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            connection = children.pop(pid, None)
            if connection is not None:
                try:
                    connection.send(f'exit {os.waitstatus_to_exitcode(status)}'.encode())
                except OSError:
                    pass
                connection.close()
        if listener in ready:
            connection, _ = listener.accept()
            message, fds, _, _ = socket.recv_fds(connection, MAX_MESSAGE, 3)
            request = json.loads(message)
            pid = os.fork()
            if pid == 0:
                listener.close()
                for other in children.values():
                    other.close()
                os.close(wake_read)
                os.close(wake_write)
                _run_child(request, fds, connection)  # never returns
            for fd in fds:
                os.close(fd)
            children[pid] = connection
            connection.send(f'pid {pid}'.encode())
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _run_child(request, fds, connection):
    code = 1
    try:
        connection.close()
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
                       signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if request['new_session']:
            os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        env = request['env']
        os.chdir(request['cwd'])
        os.environ.clear()
        os.environ.update(env)
        if env.get('PYTHONUNBUFFERED'):
            sys.stdout.reconfigure(write_through=True)
            sys.stderr.reconfigure(write_through=True)
        _fresh_state(env)
        code = _run_main(request['argv'])
    except BaseException:  # noqa: B902 -- the child must reach os._exit below
        import traceback
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _fresh_state(env):
    """What a fresh interpreter would start with, where the server's differs."""
    import random

    import numpy
    import torch
    random.seed()
    numpy.random.seed()
    torch.manual_seed(TORCH_START_SEED)
    if env.get('OMP_NUM_THREADS', '').isdigit():
        torch.set_num_threads(int(env['OMP_NUM_THREADS']))
    extra = [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p and p not in sys.path]
    sys.path[1:1] = extra


def _run_main(argv):
    """Run ``argv`` (what follows the interpreter) as ``__main__``; the exit code."""
    import runpy
    try:
        while argv[0] in ('-u', '-B'):  # unbuffered / no bytecode: no effect here
            argv = argv[1:]
        if argv[0] in ('-c', '-'):  # a command, or the script on standard input
            source, name = (argv[1], '<string>') if argv[0] == '-c' else \
                (sys.stdin.read(), '<stdin>')
            sys.argv = ['-c'] + argv[2:] if argv[0] == '-c' else argv
            sys.path[0] = ''
            namespace = {'__name__': '__main__', '__builtins__': __builtins__}
            exec(compile(source, name, 'exec'), namespace)
        elif argv[0] == '-m':
            sys.argv = argv[1:]
            sys.path[0] = os.getcwd()
            runpy._run_module_as_main(argv[1], alter_argv=True)
        else:
            script = os.path.abspath(argv[0])
            sys.argv = argv
            sys.path[0] = os.path.dirname(os.path.realpath(script))
            runpy.run_path(script, run_name='__main__')
    except SystemExit as stop:
        if stop.code is None:
            return 0
        if isinstance(stop.code, int):
            return stop.code
        print(stop.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: B902 -- as the interpreter: the hook prints, exit 1
        sys.excepthook(*sys.exc_info())
        return 1
    return 0


# -- the client --------------------------------------------------------------------------
class _Server:
    """This test process's server, started on first use."""

    process = None
    path = None

    @classmethod
    def address(cls):
        if cls.process is None or cls.process.poll() is not None:
            cls.path = os.path.join(tempfile.mkdtemp(prefix='warm-python-'), 'socket')
            cls.process = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), 'serve', cls.path], cwd=REPO,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            line = cls.process.stdout.readline()
            if line.strip() != 'ready':
                raise RuntimeError(f'the warm Python server did not start: {line!r}')
            atexit.register(cls.stop)
        return cls.path

    @classmethod
    def stop(cls):
        if cls.process is not None and cls.process.poll() is None:
            cls.process.stdin.close()
            try:
                cls.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.process.kill()


def _fd(stream, default):
    if stream is None:
        return default, None
    if stream == subprocess.DEVNULL:
        handle = open(os.devnull, 'wb')
        return handle.fileno(), handle
    return stream.fileno(), None


class WarmProcess:
    """A :class:`subprocess.Popen` look-alike for a tool started by the server."""

    def __init__(self, args, cwd=REPO, env=None, stdout=None, stderr=None, text=False,
                 start_new_session=False, stdin=None, server=None):
        if args and args[0] == sys.executable:
            args = args[1:]
        self.args = list(map(str, args))
        self.returncode = None
        self.stdout = None
        opened, pipe_write = [], None
        out_fd, handle = (None, None) if stdout == subprocess.PIPE else _fd(stdout, 1)
        opened.append(handle)
        if stdout == subprocess.PIPE:
            pipe_read, pipe_write = os.pipe()
            out_fd = pipe_write
            self.stdout = os.fdopen(pipe_read, 'r' if text else 'rb')
        if stderr == subprocess.STDOUT:
            err_fd = out_fd
        else:
            err_fd, handle = _fd(stderr, 2)
            opened.append(handle)
        request = dict(argv=self.args, cwd=str(cwd), env=dict(env or os.environ),
                       new_session=bool(start_new_session))
        self._connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._connection.connect(server or _Server.address())
        in_fd = os.open(os.devnull, os.O_RDONLY) if stdin is None else os.dup(stdin.fileno())
        try:
            socket.send_fds(self._connection, [json.dumps(request).encode()],
                            [in_fd, out_fd, err_fd])
        finally:
            os.close(in_fd)
            if pipe_write is not None:
                os.close(pipe_write)
            for handle in opened:
                if handle is not None:
                    handle.close()
        kind, value = self._connection.recv(64).decode().split()
        assert kind == 'pid', kind
        self.pid = int(value)

    def _receive(self, timeout):
        self._connection.settimeout(timeout)
        try:
            message = self._connection.recv(64).decode()
        except (socket.timeout, BlockingIOError):
            return None
        kind, value = message.split()
        assert kind == 'exit', message
        self.returncode = int(value)
        self._connection.close()
        return self.returncode

    def poll(self):
        if self.returncode is None:
            self._receive(0.0)
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None and self._receive(timeout) is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def wait_or_kill(self, timeout):
        """``wait``; past ``timeout`` kill the process and raise, as ``subprocess.run``."""
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.wait()
            raise

    def send_signal(self, number):
        if self.poll() is None:
            os.kill(self.pid, number)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def popen(args, **kwargs):
    """``subprocess.Popen([sys.executable] + args, ...)``, started warm."""
    return WarmProcess(args, **kwargs)


def run(args, cwd=REPO, timeout=600, env=None):
    """``subprocess.run([sys.executable] + args, capture_output=True, text=True, ...)``,
    started warm; on timeout the process is killed and ``TimeoutExpired`` raised."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = WarmProcess(args, cwd=cwd, env=env, stdout=out, stderr=err)
        process.wait_or_kill(timeout)
        texts = []
        for handle in (out, err):
            handle.seek(0)
            texts.append(handle.read().decode(errors='replace'))
    return subprocess.CompletedProcess([sys.executable] + process.args, process.returncode,
                                       texts[0], texts[1])


def patched_subprocess_run(monkeypatch):
    """Within a test, start ``subprocess.run([sys.executable, ...], stdout=..., stderr=...)``
    warm: for the benchmark scripts run in the test's process, whose training runs are
    ``tools/train.py`` processes. Anything else (other programs, captured output, input)
    goes to the real ``subprocess.run``."""
    original = subprocess.run

    def run_warm_when_possible(args, **kwargs):
        simple = set(kwargs) <= {'cwd', 'env', 'stdout', 'stderr', 'timeout'}
        if not (simple and isinstance(args, (list, tuple)) and args and
                args[0] == sys.executable and kwargs.get('stdout') != subprocess.PIPE):
            return original(args, **kwargs)
        process = WarmProcess(args, cwd=kwargs.get('cwd') or os.getcwd(),
                              env=kwargs.get('env'), stdout=kwargs.get('stdout'),
                              stderr=kwargs.get('stderr'))
        return subprocess.CompletedProcess(list(args),
                                           process.wait_or_kill(kwargs.get('timeout')))

    monkeypatch.setattr(subprocess, 'run', run_warm_when_possible)


# -- an interpreter for scripts ----------------------------------------------------------
SOCKET_ENV = 'WARM_PYTHON_SOCKET'


def interpreter_shim(folder):
    """An executable ``folder/python`` that runs its arguments in a child of this test
    process's server, for shell scripts that take their interpreter from the environment
    (``PYTHON=...``): the shim is a stdlib-only client (``-S``, no site-packages), passes
    its standard streams, working directory and environment, forwards SIGTERM / SIGINT /
    SIGUSR1 / SIGHUP and exits with the child's status. Returns the environment to add."""
    path = os.path.join(str(folder), 'python')
    with open(path, 'w') as f:
        f.write(f'#!/bin/sh\nexec {sys.executable} -S {os.path.abspath(__file__)} client "$@"\n')
    os.chmod(path, 0o755)
    return {'PYTHON': path, SOCKET_ENV: _Server.address()}


def client(argv):
    """The shim's side: this process's streams, directory and environment to a child of
    the server named in ``WARM_PYTHON_SOCKET``; signals forwarded; the child's status."""
    process = WarmProcess(argv, cwd=os.getcwd(), env=dict(os.environ), stdin=sys.stdin,
                          server=os.environ[SOCKET_ENV])
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGHUP):
        signal.signal(number, lambda number, _: os.kill(process.pid, number))
    code = process.wait()
    if code < 0:  # died of a signal: so does the shim, as an interpreter would
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


if __name__ == '__main__' and sys.argv[1:2] == ['serve']:
    serve(sys.argv[2])
elif __name__ == '__main__' and sys.argv[1:2] == ['client']:
    client(sys.argv[2:])
