"""The streaming pipeline written the seed's way, as the benchmark's peer:
pika BlockingConnection, JSON, one onnxruntime run per message, a dict join
in metrics, csv appends. Same messages and queue layout as `swerve stream`,
so either side can feed the other.

    python pipeline.py features --url URL --prefix P --count N --data data.csv
    python pipeline.py model    --url URL --prefix P --model model.onnx
    python pipeline.py metrics  --url URL --prefix P --csv out.csv --count N

metrics exits after N rows and prints one line:
    rows=N seconds=S p50_ms=A p99_ms=B
"""
import argparse
import csv
import json
import random
import sys
import time

import numpy as np
import onnxruntime
import pika


def connect(url):
    while True:
        try:
            return pika.BlockingConnection(pika.URLParameters(url))
        except pika.exceptions.AMQPConnectionError:
            time.sleep(2)  # the seed's retry


def queues(prefix):
    return f"{prefix}features/X", f"{prefix}features/Y_true", f"{prefix}predictions/Y_pred"


def features(a):
    x_q, y_q, _ = queues(a.prefix)
    with open(a.data) as fh:
        rows = list(csv.reader(fh))[1:]
    channel = connect(a.url).channel()
    for q in (x_q, y_q):
        channel.queue_declare(queue=q, durable=True)
    channel.confirm_delivery()
    props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    rng = random.Random(1)
    for n in range(a.count):
        row = rng.choice(rows)
        ident = f"py-{n}"
        now = time.time()
        channel.basic_publish("", x_q, json.dumps({"id": ident, "x": [float(v) for v in row[:-1]], "ts": now}), props)
        channel.basic_publish("", y_q, json.dumps({"id": ident, "y_true": float(row[-1])}), props)


def model(a):
    x_q, _, p_q = queues(a.prefix)
    session = onnxruntime.InferenceSession(a.model)
    name = session.get_inputs()[0].name
    channel = connect(a.url).channel()
    for q in (x_q, p_q):
        channel.queue_declare(queue=q, durable=True)
    props = pika.BasicProperties(delivery_mode=2, content_type="application/json")

    def on_message(ch, method, _props, body):
        m = json.loads(body)
        y = session.run(None, {name: np.array([m["x"]], dtype=np.float32)})[0]
        out = {"id": m["id"], "y_pred": float(y.ravel()[0]), "model": "diabetes", "version": 1, "ts": m.get("ts")}
        ch.basic_publish("", p_q, json.dumps(out), props)
        ch.basic_ack(method.delivery_tag)

    channel.basic_qos(prefetch_count=256)
    channel.basic_consume(queue=x_q, on_message_callback=on_message)
    channel.start_consuming()


def metrics(a):
    _, y_q, p_q = queues(a.prefix)
    channel = connect(a.url).channel()
    for q in (y_q, p_q):
        channel.queue_declare(queue=q, durable=True)
    pending, latencies = {}, []
    out = open(a.csv, "a", newline="")
    writer = csv.writer(out)
    start = None

    def on_message(ch, method, _props, body):
        nonlocal start
        start = start or time.time()
        m = json.loads(body)
        half = pending.setdefault(m["id"], {})
        half.update(m)
        if "y_true" in half and "y_pred" in half:
            del pending[m["id"]]
            writer.writerow([m["id"], half["y_true"], half["y_pred"], abs(half["y_true"] - half["y_pred"])])
            out.flush()
            if half.get("ts"):
                latencies.append(time.time() - half["ts"])
            if len(latencies) >= a.count:
                ch.stop_consuming()
        ch.basic_ack(method.delivery_tag)

    channel.basic_qos(prefetch_count=1000)
    channel.basic_consume(queue=y_q, on_message_callback=on_message)
    channel.basic_consume(queue=p_q, on_message_callback=on_message)
    channel.start_consuming()
    lat = np.array(latencies) * 1000
    print(f"rows={len(latencies)} seconds={time.time() - start:.3f} p50_ms={np.percentile(lat, 50):.2f} p99_ms={np.percentile(lat, 99):.2f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["features", "model", "metrics"])
    p.add_argument("--url", required=True)
    p.add_argument("--prefix", default="py/")
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--data")
    p.add_argument("--model")
    p.add_argument("--csv")
    a = p.parse_args()
    {"features": features, "model": model, "metrics": metrics}[a.role](a)


if __name__ == "__main__":
    sys.exit(main())
