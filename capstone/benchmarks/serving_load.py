"""Benchmark: the churn service against `mlflow models serve`, on the same champion.

Trains and registers a champion in a throwaway state folder, starts both servers
on 127.0.0.1 (the service with prediction logging on), and drives each with
keep-alive HTTP clients: single-row and 100-row requests at 8 and 32 concurrent
clients. Prints requests/s, rows/s, p50, p99, errors and memory, and the ratio.

It also prints the CPU time each server spent per request (its processes' user and
system time over the measurement). On a machine shared with other work, requests/s
and latencies measure the neighbours as much as the server; CPU per request does not,
so the CPU ratio is the figure to compare there.

Usage: python capstone/benchmarks/serving_load.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mlops_course import data, servers
from mlops_course.mlflow_store import fresh_store

CONCURRENCY = (8, 32)
BATCH_ROWS = 100


def main() -> None:
    """Run the comparison and print one line per server, workload and concurrency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="load per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="churn-serving-") as scratch:
        state = Path(scratch)
        os.environ.update(_environment(state))
        version = _register_champion(state)
        print(f"champion: churn v{version} in {os.environ['MLFLOW_TRACKING_URI']}")
        customers = _customers()
        service_port, mlflow_port = servers.free_port(), servers.free_port()
        service_cmd = ["churn", "serve", "--port", str(service_port)]
        mlflow_cmd = [
            "mlflow", "models", "serve", "-m", "models:/churn@champion",
            "--env-manager", "local", "--host", "127.0.0.1", "--port", str(mlflow_port),
        ]  # fmt: skip
        service_up = servers.running_server("service", service_cmd, state, service_port, "/ready")
        mlflow_up = servers.running_server("mlflow", mlflow_cmd, state, mlflow_port, "/health", 90)
        with service_up as service, mlflow_up as scorer:
            results = {}
            for rows in (1, BATCH_ROWS):
                for clients in CONCURRENCY:
                    for name, port, body_of in (
                        ("service", service_port, _service_body),
                        ("mlflow", mlflow_port, _mlflow_body),
                    ):
                        path = _service_path(rows) if name == "service" else "/invocations"
                        bodies = [body_of(customers[i : i + rows]) for i in range(0, 2000, rows)]
                        server = service if name == "service" else scorer
                        cpu_before = _cpu_seconds(server)
                        result = asyncio.run(_load(port, path, bodies, clients, args.seconds))
                        cpu = _cpu_seconds(server) - cpu_before
                        result["cpu_ms"] = 1000 * cpu / max(result["requests"], 1)
                        results[name, rows, clients] = result
                        _print(name, rows, clients, result)
            memory = {
                name: _rss_mib(server)
                for name, server in (("service", service), ("mlflow", scorer))
            }
        logged = sum(1 for path in (state / "predictions").glob("*/*.jsonl") for _ in open(path))
    print()
    for rows in (1, BATCH_ROWS):
        for clients in CONCURRENCY:
            ratio = (
                results["service", rows, clients]["rps"] / results["mlflow", rows, clients]["rps"]
            )
            cpu_ratio = (
                results["mlflow", rows, clients]["cpu_ms"]
                / results["service", rows, clients]["cpu_ms"]
            )
            label = f"{rows:>3}-row requests, {clients:>2} clients"
            print(
                f"service/mlflow, {label}: throughput {ratio:.1f}x, "
                f"CPU per request {cpu_ratio:.1f}x less"
            )
    print(
        f"memory (RSS of the server and its children): service {memory['service']:.0f} MiB, "
        f"mlflow models serve {memory['mlflow']:.0f} MiB"
    )
    print(f"prediction log: {logged} rows written by the service")


def _environment(state: Path) -> dict[str, str]:
    env = {
        "CHURN_STATE_DIR": str(state),
        "MLFLOW_TRACKING_URI": fresh_store(state),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "MLFLOW_LOGGING_LEVEL": "WARNING",
        # `mlflow models serve` execs uvicorn: the venv's bin must be on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return env


def _register_champion(state: Path) -> str:
    """Train on month 0, log, register and promote: the champion both servers load."""
    from churn.config import load_params
    from churn.contracts import GateVerdict
    from churn.evaluate import score
    from churn.featurize import clean_total_charges, split
    from churn.paths import PROJECT_DIR
    from churn.registry import promote, register
    from churn.tracking import log_training
    from churn.train import train_model

    params = load_params(PROJECT_DIR / "params.yaml")
    table = clean_total_charges(data.generate(month=0, rows=5000, seed=7))
    train, test = split(table, 0.2, 0)
    model = train_model(train, params.train)
    train_path = state / "train.csv"
    train.to_csv(train_path, index=False)
    run = log_training(
        model, train.drop(columns=["customerID", "Churn"]), {}, train_path, PROJECT_DIR
    )
    verdict = GateVerdict.judge(score(model, test), [], params.evaluate, run)
    version = register(verdict)
    promote(lambda uri: 1.0, margin=0.0, version=version)
    return version


def _customers() -> list[dict]:
    from churn.featurize import clean_total_charges

    table = clean_total_charges(data.generate(month=1, rows=2000, seed=11)).drop(columns=["Churn"])
    return table.to_dict(orient="records")


def _service_path(rows: int) -> str:
    return "/predict" if rows == 1 else "/predict/batch"


def _service_body(customers: list[dict]) -> bytes:
    if len(customers) == 1:
        return json.dumps(customers[0]).encode()
    return json.dumps({"customers": customers}).encode()


def _mlflow_body(customers: list[dict]) -> bytes:
    columns = [name for name in customers[0] if name != "customerID"]
    rows = [[customer[name] for name in columns] for customer in customers]
    return json.dumps({"dataframe_split": {"columns": columns, "data": rows}}).encode()


async def _load(port: int, path: str, bodies: list[bytes], clients: int, seconds: float) -> dict:
    """Keep ``clients`` connections busy for ``seconds``; return throughput and latencies."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        index = offset
        try:
            while time.perf_counter() < deadline:
                body = bodies[index % len(bodies)]
                index += clients
                started = time.perf_counter()
                writer.write(
                    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                status, _ = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                errors += status != 200
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[int(0.99 * (len(ordered) - 1))],
        "errors": errors,
    }


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length")
    )
    return status, await reader.readexactly(length)


def _print(name: str, rows: int, clients: int, result: dict) -> None:
    print(
        f"{name:<8} {rows:>3} rows/request {clients:>2} clients: {result['rps']:7.0f} req/s "
        f"{result['rps'] * rows:8.0f} rows/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  CPU {result['cpu_ms']:5.2f} ms/request  "
        f"errors {result['errors']} of {result['requests']}",
        flush=True,
    )


def _cpu_seconds(server: servers.Server) -> float:
    """User and system CPU time of the server's processes so far."""
    import psutil

    process = psutil.Process(server.process.pid)
    times = [p.cpu_times() for p in [process, *process.children(recursive=True)]]
    return sum(t.user + t.system for t in times)


def _rss_mib(server: servers.Server) -> float:
    import psutil

    process = psutil.Process(server.process.pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


if __name__ == "__main__":
    main()
