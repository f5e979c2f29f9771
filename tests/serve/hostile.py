#!/usr/bin/env python3
"""hostile.py slow|requests KILN HANDLER.wasm — `kiln serve` against hostile clients.

slow      (serve_slow_clients) a slowloris attack: 1,200 loopback connections
          from five source addresses (127.0.0.2-6, 240 each: under the default
          per-address share), each sending a request line and then one header
          line every 10 s, reconnecting a second after the server drops it.
          While it runs (15 s), a plain GET from 127.0.0.1 every 0.5 s must be
          answered 200 within 2 s.  Then a lone slow client must be dropped at
          the default --header-timeout (10 s), and the summary at SIGTERM must
          show evictions.
requests  (serve_hostile_requests) with small limits: control bytes in the
          URL reach the access log as \\xHH; a 2 GB Content-Length is answered
          413 within 1 s without the body; at --max-body 64KiB a chunked body
          of 60 KiB is served, one of 100 KiB answered 413 at its end, one of
          1 MiB cut unanswered (and logged); of 6 connections from one address
          2 are refused at --max-connections-per-ip 4; at --max-connections 8 a
          new client is served and the oldest header-waiter evicted, and when
          all 8 are reading bodies a new client is closed at once; slow
          headers, a slow body and an idle kept-alive connection are dropped
          at their deadlines.

Loopback only, bounded in connections and time.  Exits 77 when the open-file
limit is too low for 1,200 connections.
"""
import atexit
import os
import re
import resource
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

FAILS = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    FAILS.append(msg)


class Server:
    """kiln serve on 127.0.0.1, its stderr (banner, access log) in a file."""

    def __init__(self, kiln, handler, args, tmp):
        self.log_path = os.path.join(tmp, "log")
        self.log = open(self.log_path, "wb")
        env = dict(os.environ, KILN_CACHE_DIR=os.path.join(tmp, "cache"))
        self.proc = subprocess.Popen([kiln, "serve", "--listen", "127.0.0.1:0"] + args + [handler],
                                     stderr=self.log, env=env)
        atexit.register(lambda: self.proc.poll() is None and self.proc.kill())
        deadline = time.time() + 60
        while time.time() < deadline:
            m = re.search(rb"on http://127\.0\.0\.1:(\d+)/", self.text())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        sys.exit("FAIL: the server did not start: %r" % self.text())

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        if rc != 0:
            fail("SIGTERM: exit %d" % rc)
        return self.text()


def connect(port, source="127.0.0.1", timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def get(port, path="/hello", source="127.0.0.1", timeout=5.0):
    """A GET on a new connection: (status, seconds), status 0 on failure."""
    t0 = time.monotonic()
    try:
        s = connect(port, source, timeout)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        m = re.match(rb"HTTP/1\.1 (\d+)", data)
        return (int(m.group(1)) if m else 0), time.monotonic() - t0
    except OSError:
        return 0, time.monotonic() - t0


def closed_after(s, step, send, limit):
    """Sends send() every `step` seconds until the server closes s (or
    `limit` seconds pass); returns the seconds it took (None: never)."""
    t0 = time.monotonic()
    s.settimeout(step)
    while time.monotonic() - t0 < limit:
        try:
            if s.recv(4096) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            try:
                s.sendall(send())
            except OSError:
                return time.monotonic() - t0
        except OSError:
            return time.monotonic() - t0
    return None


def expect_closed_at(what, took, lo, hi):
    if took is None or not lo <= took <= hi:
        fail("%s: closed after %s s, want %.1f..%.1f" % (what, took, lo, hi))
    else:
        print("%s: closed after %.2f s" % (what, took))


def is_closed(s, wait):
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


# ------------------------------------------------------------------ slow

class Slowloris:
    """n connections from the given sources, one header line every
    `interval` s each, reconnecting `redial` s after being dropped."""

    def __init__(self, port, sources, n, interval=10.0, redial=1.0):
        self.port, self.sources, self.n = port, sources, n
        self.interval, self.redial = interval, redial
        self.sel = selectors.DefaultSelector()
        self.stop = False
        self.open = 0
        self.peak = 0
        self.drops = 0
        self.thread = threading.Thread(target=self.run)

    def dial(self, i, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((self.sources[i % len(self.sources)], 0))
        try:
            s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            return None
        self.sel.register(s, selectors.EVENT_READ, i)
        self.open += 1
        self.peak = max(self.peak, self.open)
        # The request line goes once connected; a header line each interval.
        return {"sock": s, "next": now + 0.05, "sent": 0}

    def run(self):
        conns = {}
        redial = {}
        now = time.monotonic()
        for i in range(self.n):
            conns[i] = self.dial(i, now)
        while not self.stop:
            now = time.monotonic()
            for key, _ in self.sel.select(timeout=0.1):
                i = key.data
                try:
                    data = key.fileobj.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data == b"":
                    self.drop(conns, i)
                    redial[i] = now + self.redial
            for i, c in list(conns.items()):
                if c is None or now < c["next"]:
                    continue
                line = b"GET / HTTP/1.1\r\nHost: x\r\n" if c["sent"] == 0 else b"X-Slow: 1\r\n"
                try:
                    c["sock"].send(line)
                    c["sent"] += 1
                except (BlockingIOError, OSError):
                    pass
                c["next"] = now + (self.interval if c["sent"] else 0.05)
            for i, when in list(redial.items()):
                if now >= when:
                    del redial[i]
                    conns[i] = self.dial(i, now)
        for i in list(conns):
            self.drop(conns, i)

    def drop(self, conns, i):
        c = conns.get(i)
        if c is None:
            return
        self.sel.unregister(c["sock"])
        c["sock"].close()
        conns[i] = None
        self.open -= 1
        self.drops += 1


def run_slow(kiln, handler, tmp):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 3000:
        print("SKIP: open-file hard limit %d; 1,200 connections need 3,000" % hard)
        sys.exit(77)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    srv = Server(kiln, handler, ["--quiet"], tmp)
    status, _ = get(srv.port)
    if status != 200:
        sys.exit("FAIL: GET /hello before the attack: %d" % status)
    attack = Slowloris(srv.port, ["127.0.0.%d" % i for i in range(2, 7)], 1200)
    attack.thread.start()
    time.sleep(2)	# the attack has filled the server
    worst, answered, probes = 0.0, 0, 0
    t_end = time.monotonic() + 15
    while time.monotonic() < t_end:
        status, took = get(srv.port, timeout=10)
        probes += 1
        answered += status == 200
        worst = max(worst, took)
        if status != 200 or took > 2:
            fail("GET /hello under attack: HTTP %d after %.2f s" % (status, took))
        time.sleep(0.5)
    print("under attack (%d connections at the peak, %d dropped by the server): "
          "%d/%d GETs answered, slowest %.3f s" % (attack.peak, attack.drops, answered, probes, worst))
    if attack.peak < 1100:
        fail("the attack held only %d connections" % attack.peak)
    if probes < 6:	# 15 s of GETs taking at most 2 s + 0.5 s each
        fail("only %d GETs were made under the attack" % probes)
    attack.stop = True
    attack.thread.join()
    # A lone slow client: dropped at the default --header-timeout (10 s).
    s = connect(srv.port, "127.0.0.7")
    s.sendall(b"GET / HTTP/1.1\r\n")
    expect_closed_at("headers at one line a second", closed_after(s, 1.0, lambda: b"X-Slow: 1\r\n", 20),
                     9.5, 11.5)
    s.close()
    log = srv.stop().decode(errors="replace")
    m = re.search(r"evicted when full (\d+)", log)
    if not m or int(m.group(1)) == 0:
        fail("no eviction in the summary: %s" % log.strip().splitlines()[-1:])
    m = re.search(r"closed at --header-timeout (\d+)", log)
    if not m or int(m.group(1)) == 0:
        fail("no header timeout in the summary")
    print(log.strip().splitlines()[-1])


# -------------------------------------------------------------- requests

def check_log_escaped(srv):
    s = connect(srv.port)
    s.sendall(b"GET /he\x1b[31mllo\x07\\\"x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    while s.recv(4096):
        pass
    s.close()
    time.sleep(0.2)
    log = srv.text()
    if re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", log):
        fail("access log: a raw control byte: %r" % log[-300:])
    if b'"GET /he\\x1b[31mllo\\x07\\x5c\\x22x HTTP/1.1"' not in log:
        fail("access log: no escaped line: %r" % log[-300:])
    else:
        print("control bytes in the URL: escaped in the log")


def check_huge_body(srv):
    s = connect(srv.port)
    t0 = time.monotonic()
    s.sendall(b"POST /env HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483648\r\n\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    took = time.monotonic() - t0
    s.close()
    if not data.startswith(b"HTTP/1.1 413") or took > 1:
        fail("2 GB Content-Length: %r after %.2f s" % (data[:40], took))
    else:
        print("2 GB Content-Length: 413 and closed after %.3f s" % took)


def post_chunked(port, size):
    """A POST of `size` bytes in 16 KiB chunks: the status answered (0:
    none, the connection cut)."""
    s = connect(port, timeout=10)
    data = b""
    try:
        s.sendall(b"POST /env HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        left = size
        while left:
            n = min(left, 16384)
            s.sendall(b"%x\r\n%s\r\n" % (n, b"a" * n))
            left -= n
        s.sendall(b"0\r\n\r\n")
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d+)", data)
    return int(m.group(1)) if m else 0


def check_chunked_body(srv):
    # --max-body 64KiB: a chunked body under it is served, one over it is
    # read to its end and answered 413, one past twice the limit is cut.
    for size, want in ((60 << 10, 200), (100 << 10, 413), (1 << 20, 0)):
        got = post_chunked(srv.port, size)
        if got != want:
            fail("chunked body of %d bytes at --max-body 64KiB: HTTP %d, want %d"
                 % (size, got, want))
    if b"request body too large; connection cut unanswered" not in srv.text():
        fail("a cut chunked body is not in the access log")
    status, _ = get(srv.port)
    if status != 200:
        fail("a GET after the chunked bodies: HTTP %d" % status)
    print("chunked bodies at --max-body 64KiB: 200, 413 at the end, cut past twice the limit")


def check_per_ip(srv):
    socks = [connect(srv.port, "127.0.0.2") for _ in range(6)]
    time.sleep(0.5)	# well within --header-timeout 2s
    closed = [is_closed(s, 0.05) for s in socks]
    # Two threads accept: which two are refused may vary, not how many.
    if closed.count(True) != 2:
        fail("per-IP share of 4: closed %s" % closed)
    else:
        print("per-IP share of 4: 4 connections open, 2 refused")
    status, _ = get(srv.port, source="127.0.0.3")
    if status != 200:
        fail("another address while 127.0.0.2 is at its share: HTTP %d" % status)
    close_all(socks)


def fill(srv, first, request):
    """--max-connections 8 filled from 8 addresses, oldest first, each having
    sent `request`."""
    socks = []
    for i in range(8):
        s = connect(srv.port, "127.0.0.%d" % (first + i))
        s.sendall(request)
        socks.append(s)
        time.sleep(0.05)
    return socks


def close_all(socks):
    for s in socks:
        s.close()
    time.sleep(0.3)


def check_full(srv):
    socks = fill(srv, 10, b"GET / HTTP/1.1\r\n")
    status, took = get(srv.port)
    if status != 200 or took > 1:
        fail("a new client when full: HTTP %d after %.2f s" % (status, took))
    else:
        print("full: a new client answered after %.3f s" % took)
    time.sleep(0.3)
    closed = [is_closed(s, 0.05) for s in socks]
    if not closed[0] or closed.count(True) > 2:
        fail("full: evicted %s, want the oldest" % closed)
    close_all(socks)


def check_full_busy(srv):
    # 8 connections reading bodies: nothing to evict, a new client is closed.
    socks = fill(srv, 20, b"POST /env HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    time.sleep(0.3)	# well within --body-timeout 2s
    status, took = get(srv.port, timeout=5)
    if status != 0 or took > 1:
        fail("full of bodies: a new client got HTTP %d after %.2f s, want closed" % (status, took))
    else:
        print("full of bodies: a new client closed after %.3f s" % took)
    if any(is_closed(s, 0.05) for s in socks):
        fail("full of bodies: a body reader was evicted")
    close_all(socks)


def check_deadlines(srv):
    s = connect(srv.port)
    s.sendall(b"GET /hello HTTP/1.1\r\n")
    expect_closed_at("--header-timeout 2s, a header line every 0.5 s",
                     closed_after(s, 0.5, lambda: b"X-Slow: 1\r\n", 10), 1.8, 3.5)
    s.close()
    s = connect(srv.port)
    s.sendall(b"POST /env HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
    expect_closed_at("--body-timeout 2s, a byte every 0.5 s",
                     closed_after(s, 0.5, lambda: b"x", 10), 1.8, 3.5)
    s.close()
    s = connect(srv.port)
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(5)
    if not s.recv(4096).startswith(b"HTTP/1.1 200"):
        fail("keep-alive GET: no 200")
    expect_closed_at("--idle-timeout 2s", closed_after(s, 10, lambda: b"", 10), 1.8, 3.5)
    s.close()


def check_bad_args(kiln, handler):
    for args in (["--header-timeout", "soon"], ["--body-timeout", "-1s"], ["--idle-timeout", "x"],
                 ["--max-connections", "0"], ["--max-connections-per-ip", "-1"],
                 ["--max-connections", "1048576"], ["--max-body", "0"], ["--max-body", "2GiB"],
                 ["--max-body", "lots"]):
        # The last one needs 2 M open files, more than the hard limit here.
        r = subprocess.run([kiln, "serve", "--listen", "127.0.0.1:0"] + args + [handler],
                           stderr=subprocess.PIPE, timeout=60)
        lines = r.stderr.decode(errors="replace").strip().splitlines()
        if r.returncode != 2 or len(lines) != 1 or not lines[0].startswith("kiln: serve: "):
            fail("%s: exit %d, %r" % (" ".join(args), r.returncode, lines))
    print("bad limits: exit 2 with one line")


def run_requests(kiln, handler, tmp):
    srv = Server(kiln, handler, ["--header-timeout", "2s", "--body-timeout", "2s",
                                 "--idle-timeout", "2s", "--max-connections", "8",
                                 "--max-connections-per-ip", "4", "--max-body", "64KiB"], tmp)
    check_bad_args(kiln, handler)
    check_log_escaped(srv)
    check_huge_body(srv)
    check_chunked_body(srv)
    check_per_ip(srv)
    check_full(srv)
    check_full_busy(srv)
    check_deadlines(srv)
    log = srv.stop().decode(errors="replace")
    summary = log.strip().splitlines()[-1]
    print(summary)
    for what in ("--header-timeout", "--body-timeout", "--idle-timeout", "evicted when full",
                 "refused: full", "over --max-connections-per-ip"):
        m = re.search(re.escape(what) + r" (\d+)", summary)
        if not m or int(m.group(1)) == 0:
            fail("summary: no count for %s" % what)


def main():
    mode, kiln, handler = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        {"slow": run_slow, "requests": run_requests}[mode](kiln, handler, tmp)
    if FAILS:
        sys.exit("%d checks failed" % len(FAILS))
    print("kiln serve %s: all checks passed" % mode)


if __name__ == "__main__":
    main()
