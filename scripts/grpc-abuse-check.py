#!/usr/bin/env python3
"""PING and a large answer, then abuse of swerve's gRPC port, one bad connection at a time, with raw HTTP/2
frames (h2, hpack, hyperframe), after each a well-behaved call on a fresh
connection that must still be answered.

    .build/grpc-venv/bin/python scripts/grpc-abuse-check.py HOST:PORT --max-message-bytes N

The server must run with --max-frame-bytes N (the gRPC message limit too).
Each case passes when the server answers the bad call with the gRPC status
named below, or (for a broken connection) closes that connection; a case
fails on a hang (every wait is bounded), a wrong answer, or when the next
good call is not answered. One line per case; non-zero exit on the first failure.
"""
import argparse
import os
import socket
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings
import hpack
from hyperframe.frame import ContinuationFrame, DataFrame, HeadersFrame

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEALTH = "/grpc.health.v1.Health/Check"
RESOURCE_EXHAUSTED = "8"
WAIT = 20.0


class Failure(Exception):
    pass


def connect(target):
    host, port = target.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=WAIT)
    s.settimeout(WAIT)
    return s


def grpc_message(payload):
    return struct.pack(">BI", 0, len(payload)) + payload


def request_headers(path, extra=()):
    return [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "swerve"),
            ("content-type", "application/grpc"), ("te", "trailers")] + list(extra)


class Client:
    """An h2 client connection that sends what it is told and collects answers."""

    def __init__(self, target):
        self.sock = connect(target)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.flush()
        self.trailers = {}   # stream id -> dict of trailer (or trailers-only) headers
        self.resets = set()
        self.pings = []
        self.closed = False

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self, until, deadline=WAIT):
        end = time.monotonic() + deadline
        while not until():
            if time.monotonic() > end:
                raise Failure("no answer within %.0f s" % deadline)
            try:
                data = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            if not data:
                self.closed = True
                return
            for event in self.conn.receive_data(data):
                if isinstance(event, (h2.events.TrailersReceived, h2.events.ResponseReceived)):
                    headers = dict(event.headers)
                    if "grpc-status" in headers:
                        self.trailers[event.stream_id] = headers
                elif isinstance(event, h2.events.PingAckReceived):
                    self.pings.append(event.ping_data)
                elif isinstance(event, h2.events.StreamReset):
                    self.resets.add(event.stream_id)
                elif isinstance(event, h2.events.DataReceived):
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    self.closed = True
            self.flush()

    def status(self, stream_id):
        self.pump(lambda: stream_id in self.trailers or stream_id in self.resets)
        if stream_id in self.trailers:
            return self.trailers[stream_id]
        raise Failure("stream %d was reset (%s) instead of answered" % (stream_id, "closed" if self.closed else "open"))


def good_call(target, what):
    c = Client(target)
    sid = c.conn.get_next_available_stream_id()
    c.conn.send_headers(sid, request_headers(HEALTH))
    c.conn.send_data(sid, grpc_message(b""), end_stream=True)
    c.flush()
    trailers = c.status(sid)
    if trailers.get("grpc-status") != "0":
        raise Failure("after %s, a health check on a new connection got %s" % (what, trailers))
    c.sock.close()


def expect_closed(sock, what):
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        try:
            if not sock.recv(65536):
                return
        except (ConnectionResetError, BrokenPipeError):
            return
        except socket.timeout:
            break
    raise Failure("%s: the server kept the connection open" % what)


def case_ping(target):
    c = Client(target)
    c.conn.ping(b"swerve!!")
    c.flush()
    c.pump(lambda: c.pings or c.closed)
    if c.pings != [b"swerve!!"]:
        raise Failure("PING was not acknowledged with its data (got %r)" % c.pings)
    return "PING acknowledged"


def case_large_answer(target):
    # 3,000 rows (a 48 KB request, under the test server's 64 KiB limit): an
    # answer of ~60 KB in several DATA frames.
    import numpy as np
    import tritonclient.grpc as grpcclient
    rows = np.tile(np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], dtype=np.float32), (1500, 1))
    x = grpcclient.InferInput("input", list(rows.shape), "FP32")
    x.set_data_from_numpy(rows)
    labels = grpcclient.InferenceServerClient(target).infer("iris", [x]).as_numpy("label")
    if labels.shape != (3000,) or not (labels[::2] == 0).all() or not (labels[1::2] == 2).all():
        raise Failure("the 3,000-row answer came back wrong: shape %s" % (labels.shape,))
    return "3,000 labels intact"


def case_bad_preface(target):
    s = connect(target)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + b"\x00" * 64)
    expect_closed(s, "bad preface")
    return "closed the connection"


def case_garbage_after_preface(target):
    s = connect(target)
    s.sendall(PREFACE + os.urandom(4096))
    expect_closed(s, "garbage after the preface")
    return "closed the connection"


def case_headers_over_limit(target):
    c = Client(target)
    sid = c.conn.get_next_available_stream_id()
    # 40 KiB of metadata: over the server's 16 KiB header limit, under
    # nghttp2's own ceiling, so the call is answered with a status.
    c.conn.send_headers(sid, request_headers(HEALTH, [("x-padding-%d" % i, "p" * 1000) for i in range(40)]))
    c.conn.send_data(sid, grpc_message(b""), end_stream=True)
    c.flush()
    trailers = c.status(sid)
    if trailers.get("grpc-status") != RESOURCE_EXHAUSTED:
        raise Failure("headers over the limit got %s, expected RESOURCE_EXHAUSTED" % trailers)
    return "RESOURCE_EXHAUSTED (%s)" % trailers.get("grpc-message", "")


def case_huge_headers(target):
    c = Client(target)
    sid = c.conn.get_next_available_stream_id()
    # 200 KiB of metadata in one HEADERS frame and CONTINUATION frames,
    # encoded by hand (h2 would split it the same way, but stop at nothing).
    block = hpack.Encoder().encode(request_headers(HEALTH, [("x-padding-%d" % i, "p" * 1000) for i in range(200)]))
    chunk = 16384
    pieces = [block[i:i + chunk] for i in range(0, len(block), chunk)]
    frames = HeadersFrame(sid, data=pieces[0], flags=["END_STREAM"] + (["END_HEADERS"] if len(pieces) == 1 else [])).serialize()
    for i, piece in enumerate(pieces[1:], 1):
        frames += ContinuationFrame(sid, data=piece, flags=["END_HEADERS"] if i == len(pieces) - 1 else []).serialize()
    c.sock.sendall(frames)
    c.pump(lambda: sid in c.trailers or sid in c.resets)
    if sid in c.trailers:
        got = c.trailers[sid].get("grpc-status")
        if got != RESOURCE_EXHAUSTED:
            raise Failure("a huge HEADERS block answered grpc-status %s, expected RESOURCE_EXHAUSTED" % got)
        return "RESOURCE_EXHAUSTED (%s)" % c.trailers[sid].get("grpc-message", "")
    if c.closed or sid in c.resets:
        return "refused the stream or closed the connection"
    raise Failure("a huge HEADERS block: no answer")


def case_message_over_limit(target, limit):
    c = Client(target)
    sid = c.conn.get_next_available_stream_id()
    c.conn.send_headers(sid, request_headers(HEALTH))
    c.flush()
    body = grpc_message(b"\x0a" + b"x" * (limit + 1024))
    sent = 0
    while sent < len(body) and sid not in c.trailers and not c.closed:
        window = min(c.conn.local_flow_control_window(sid), c.conn.max_outbound_frame_size, len(body) - sent)
        if window <= 0:
            c.pump(lambda: c.conn.local_flow_control_window(sid) > 0 or sid in c.trailers or sid in c.resets, deadline=WAIT)
            if sid in c.resets:
                break
            continue
        c.conn.send_data(sid, body[sent:sent + window], end_stream=sent + window == len(body))
        sent += window
        c.flush()
    trailers = c.status(sid)
    if trailers.get("grpc-status") != RESOURCE_EXHAUSTED:
        raise Failure("a message over the limit got %s, expected RESOURCE_EXHAUSTED" % trailers)
    return "RESOURCE_EXHAUSTED (%s)" % trailers.get("grpc-message", "")


def case_reset_mid_message(target):
    c = Client(target)
    sid = c.conn.get_next_available_stream_id()
    c.conn.send_headers(sid, request_headers(HEALTH))
    c.conn.send_data(sid, struct.pack(">BI", 0, 1000) + b"x" * 100)
    c.conn.reset_stream(sid)
    second = c.conn.get_next_available_stream_id()
    c.conn.send_headers(second, request_headers(HEALTH))
    c.conn.send_data(second, grpc_message(b""), end_stream=True)
    c.flush()
    trailers = c.status(second)
    if trailers.get("grpc-status") != "0":
        raise Failure("after a stream reset mid-message, the next call on the same connection got %s" % trailers)
    return "the same connection answered the next call"


def case_ten_thousand_streams(target):
    c = Client(target)
    encoder = hpack.Encoder()
    frames = bytearray()
    ids = list(range(1, 20001, 2))
    for sid in ids:
        # Raw frames: h2 itself would stop at the server's concurrency limit.
        frames += HeadersFrame(sid, data=encoder.encode(request_headers(HEALTH)), flags=["END_HEADERS"]).serialize()
        frames += DataFrame(sid, data=grpc_message(b""), flags=["END_STREAM"]).serialize()
    try:
        c.sock.sendall(bytes(frames))
    except (ConnectionResetError, BrokenPipeError):
        return "closed the connection"
    # The h2 state machine does not know the raw streams; read frames by hand.
    answered, refused = set(), set()
    decoder = hpack.Decoder()
    buffer = b""
    end = time.monotonic() + WAIT * 3
    while len(answered) + len(refused) < len(ids) and time.monotonic() < end:
        try:
            data = c.sock.recv(1 << 20)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            return "closed the connection after %d answers and %d refusals" % (len(answered), len(refused))
        buffer += data
        while len(buffer) >= 9:
            length = int.from_bytes(buffer[:3], "big")
            if len(buffer) < 9 + length:
                break
            kind, flags, sid = buffer[3], buffer[4], int.from_bytes(buffer[5:9], "big") & 0x7FFFFFFF
            payload = buffer[9:9 + length]
            buffer = buffer[9 + length:]
            if kind == 1:  # HEADERS
                if flags & 0x8:
                    payload = payload[1:len(payload) - payload[0]]
                if flags & 0x20:
                    payload = payload[5:]
                headers = dict(decoder.decode(payload))
                if flags & 0x1 and headers.get(b"grpc-status", headers.get("grpc-status")) in (b"0", "0"):
                    answered.add(sid)
            elif kind == 3:  # RST_STREAM
                refused.add(sid)
            elif kind == 4 and not flags & 0x1:  # SETTINGS: acknowledge
                c.sock.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
            elif kind == 6 and not flags & 0x1:  # PING: answer
                c.sock.sendall(b"\x00\x00\x08\x06\x01\x00\x00\x00\x00" + payload)
            elif kind == 7:  # GOAWAY
                last, code = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF, int.from_bytes(payload[4:8], "big")
                return "GOAWAY (error %d, last stream %d) after %d answers and %d refusals" % (code, last, len(answered), len(refused))
    if len(answered) + len(refused) < len(ids):
        raise Failure("10,000 streams: only %d answered and %d refused" % (len(answered), len(refused)))
    return "%d answered, %d refused (REFUSED_STREAM past the concurrency limit)" % (len(answered), len(refused))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("--max-message-bytes", type=int, required=True)
    args = parser.parse_args()
    cases = [
        ("ping", lambda: case_ping(args.target)),
        ("a large answer", lambda: case_large_answer(args.target)),
        ("bad preface", lambda: case_bad_preface(args.target)),
        ("garbage after the preface", lambda: case_garbage_after_preface(args.target)),
        ("headers over the limit", lambda: case_headers_over_limit(args.target)),
        ("huge HEADERS block", lambda: case_huge_headers(args.target)),
        ("message over the limit", lambda: case_message_over_limit(args.target, args.max_message_bytes)),
        ("stream reset mid-message", lambda: case_reset_mid_message(args.target)),
        ("10,000 streams on one connection", lambda: case_ten_thousand_streams(args.target)),
    ]
    for name, run in cases:
        try:
            outcome = run()
            good_call(args.target, name)
        except (Failure, OSError) as e:
            print("FAIL %s: %s" % (name, e))
            return 1
        print("ok  %s: %s; the next connection was served" % (name, outcome))
    print("grpc-abuse-check: all cases passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
