"""The registry: register only gated models, promote only the better (lesson 07's margin),
hold a winner for a person's approval, roll back in one step, and keep every event whole;
and a registry that fails while the champion is read stops a promotion instead of crowning."""

from __future__ import annotations

import http.client
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from churn import cli, registry
from churn.config import EvaluateParams, IngestParams, TrainParams
from churn.contracts import GateVerdict, RunRecord, Scores
from churn.featurize import clean_total_charges, split
from churn.paths import PROJECT_DIR
from churn.settings import settings
from churn.train import train_file
from mlops_course import servers

PARAMS = TrainParams(C=1.0, max_iter=500, class_weight="balanced")
GATE = EvaluateParams(min_accuracy=0.85, min_recall=0.7)


def passed(run: RunRecord, accuracy: float) -> GateVerdict:
    """The verdict of a model that passed the gate with this accuracy."""
    scores = Scores(accuracy=accuracy, recall=0.8, precision=0.7, test_rows=60)
    return GateVerdict.judge(scores, [], GATE, run)


@pytest.fixture
def logged(state, sample, tmp_path):
    """Return a function that logs a trained model and returns its gate verdict."""
    train, _ = split(clean_total_charges(sample), test_share=0.3, seed=1)
    train.to_csv(tmp_path / "train.csv", index=False)

    def log(accuracy: float, gate_passed: bool = True, month: int | None = None) -> GateVerdict:
        data = (
            None if month is None else IngestParams(month=month, rows=200, seed=7, scenario="none")
        )
        files = (tmp_path / "train.csv", tmp_path / "m.joblib", tmp_path / "run.json")
        run = train_file(*files, PARAMS, tmp_path, data)
        if gate_passed:
            return passed(run, accuracy)
        scores = Scores(accuracy=accuracy, recall=0.8, precision=0.7, test_rows=60)
        return GateVerdict.judge(scores, [f"accuracy {accuracy} is below 0.85"], GATE, run)

    return log


def _scorer(scores: dict[str, float]) -> Callable[[str], float]:
    """Score a model URI 'models:/churn/N' by version (the held-out data is fixed here)."""
    return lambda uri: scores[uri.rsplit("/", 1)[1]]


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory, empty_store) -> Iterator[str]:
    """A real MLflow tracking server on 127.0.0.1, over a copy of the empty store."""
    folder = tmp_path_factory.mktemp("server")
    shutil.copyfile(empty_store, folder / "mlflow.db")
    port = servers.free_port()
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with servers.running_server("mlflow", command, folder, port, "/health", 90, env) as server:
        yield server.url


@pytest.fixture(params=["sqlite-file", "tracking-server"])
def backend(request, state, monkeypatch):
    """Run a test against the SQLite file and against a real tracking server."""
    if request.param == "tracking-server":
        monkeypatch.setenv("MLFLOW_TRACKING_URI", request.getfixturevalue("tracking_server"))
        settings.cache_clear()
    return request.param


def _role(name: str) -> registry.Role:
    role = registry.status()[name]
    assert role is not None, f"nobody holds the {name} role"
    return role


def test_champion_challenger_promotion_and_rollback(backend, logged):
    scores = {"1": 0.88, "2": 0.86, "3": 0.90}
    assert registry.register(logged(0.88)) == "1"
    first = registry.promote(_scorer(scores), margin=0.01)
    assert first.promoted and first.reason.startswith("first champion")
    assert "previous_champion" not in _role("champion").tags  # never the text "None"

    assert registry.register(logged(0.86)) == "2"
    kept = registry.promote(_scorer(scores), margin=0.01, evidence="1000 held-out rows")
    assert not kept.promoted and "the champion stays" in kept.reason
    assert _role("champion").version == "1" and _role("challenger").version == "2"
    assert registry.history()[-1].challenger_score == 0.86
    assert registry.history()[-1].evidence == "1000 held-out rows"

    assert registry.register(logged(0.90)) == "3"
    promoted = registry.promote(_scorer(scores), margin=0.01)
    assert promoted.promoted and promoted.champion == "1"
    champion = _role("champion")
    assert champion.version == "3" and champion.tags["previous_champion"] == "1"
    assert champion.record.gate == "passed" and champion.record.data_hash != "unknown"
    last = registry.history()[-1]
    assert (last.challenger_score, last.champion_score, last.replaced) == (0.90, 0.88, "1")
    assert registry.status()["challenger"] is None

    assert registry.rollback("complaints from the retention team") == "1"
    assert _role("champion").version == "1"
    events = [event.event for event in registry.history()]
    assert events == [
        "registered",
        "promoted",
        "registered",
        "not promoted",
        "registered",
        "promoted",
        "rolled back",
    ]
    assert registry.history()[-1].reason == "complaints from the retention team"
    assert registry.history()[-1].replaced == "3"


def test_registering_the_same_run_twice_gives_the_same_version(logged):
    verdict = logged(0.88)
    assert registry.register(verdict) == "1"
    assert registry.register(verdict) == "1"
    assert [e.event for e in registry.history()] == ["registered"]


def test_a_margin_is_required_not_just_a_tie(logged):
    """Lesson 07's margin, 0.01: a gain of exactly the margin keeps the champion."""
    registry.register(logged(0.88))
    registry.promote(_scorer({"1": 0.88}), margin=0.01)
    registry.register(logged(0.89))
    assert not registry.promote(_scorer({"1": 0.88, "2": 0.89}), margin=0.01).promoted
    assert registry.promote(_scorer({"1": 0.88, "2": 0.8901}), margin=0.01).promoted


def test_the_audit_trail_keeps_every_event_whole_one_tag_each(logged):
    """Lesson 07: one tag per event; a list cut to fit deletes history."""
    import mlflow

    registry.register(logged(0.88))
    registry.promote(_scorer({"1": 0.88}), margin=0.01)
    registry.register(logged(0.88))
    long_reason = "the retention team checked the call list, customer by customer. " * 60
    for number in range(1, 12):  # 22 more events: the old trail kept only the last 20
        registry.promote_by_hand("2", long_reason)
        registry.rollback(f"undo {number}")
    events = registry.history()
    assert len(events) == 3 + 22, [event.event for event in events]  # nothing cut
    assert events[0].event == "registered" and events[-1].reason == "undo 11"
    by_hand = [event for event in events if event.reason.startswith("by hand")]
    assert by_hand and all(event.reason == f"by hand: {long_reason}" for event in by_hand)
    tags = mlflow.MlflowClient().get_registered_model("churn").tags
    numbered = sorted(key for key in tags if key.startswith("event."))
    assert numbered == [f"event.{n:04d}" for n in range(1, len(events) + 1)]
    assert "history" not in tags


def test_a_winner_waits_for_a_persons_approval(logged):
    registry.register(logged(0.88))
    first = registry.promote(_scorer({"1": 0.88}), margin=0.01, needs_approval=True)
    assert first.pending and not first.promoted and registry.status()["champion"] is None
    assert _role("challenger").tags["approval"] == "pending"
    assert "compared_with" not in _role("challenger").tags  # a first champion beat nobody
    with pytest.raises(registry.RegistryError, match="needs a reason"):
        registry.approve("1", "  ")
    assert registry.approve("1", "first model; gate report reviewed") is None

    registry.register(logged(0.90))
    scores = _scorer({"1": 0.88, "2": 0.90})
    decision = registry.promote(scores, margin=0.01, needs_approval=True, evidence="shadow")
    assert decision.pending and _role("champion").version == "1"
    assert _role("challenger").tags["compared_with"] == "1"
    reason = "call lists of both models compared with the retention team: " + "x" * 3000
    assert registry.approve("2", reason) == "1"
    assert _role("champion").version == "2" and _role("champion").tags["approval"] == "approved"
    assert _role("champion").tags["previous_champion"] == "1"
    events = registry.history()
    assert [e.event for e in events][-2:] == ["awaiting approval", "approved"]
    assert events[-1].reason == reason and events[-1].replaced == "1"  # whole, and who lost
    with pytest.raises(registry.RegistryError, match="not waiting for approval"):
        registry.approve("2", "again")


def test_a_stale_approval_is_refused_and_the_queue_is_kept(logged):
    """v2 and v3 both beat v1 and wait; once v2 is approved, v3's comparison is out of date."""
    registry.register(logged(0.88))
    registry.promote(_scorer({"1": 0.88}), margin=0.01)
    scores = _scorer({"1": 0.88, "2": 0.90, "3": 0.91})
    registry.register(logged(0.90))
    assert registry.promote(scores, margin=0.01, needs_approval=True).pending
    registry.register(logged(0.91))  # v3 is the challenger now
    assert registry.promote(scores, margin=0.01, needs_approval=True).pending
    registry.approve("2", "reviewed")
    assert _role("challenger").version == "3", "approving v2 must not drop v3 from the queue"
    with pytest.raises(registry.RegistryError, match="compared with champion 1, but the champion"):
        registry.approve("3", "reviewed too")
    assert _role("champion").version == "2"


def test_the_next_data_month_follows_the_champion(logged):
    assert registry.next_data_month() == 0  # no champion yet: the training history
    registry.register(logged(0.88, month=3))
    assert registry.next_data_month() == 0  # a challenger is not the champion
    registry.promote(_scorer({"1": 0.88}), margin=0.01)
    assert _role("champion").record.data_month == 3
    assert registry.next_data_month() == 4


def test_bad_requests_are_refused_and_change_nothing(logged):
    with pytest.raises(registry.RegistryError, match="failed the gate: accuracy 0.7"):
        registry.register(logged(0.7, gate_passed=False))
    with pytest.raises(registry.RegistryError, match="no challenger"):
        registry.promote(_scorer({}), margin=0.0)
    registry.register(logged(0.88))
    with pytest.raises(registry.RegistryError, match="no champion"):
        registry.rollback("why not")
    registry.promote(_scorer({"1": 0.88}), margin=0.0)
    with pytest.raises(registry.RegistryError, match="no previous champion"):
        registry.rollback("nothing to go back to")
    with pytest.raises(registry.RegistryError, match="no version 42"):
        registry.promote(_scorer({}), margin=0.0, version="42")
    assert _role("champion").version == "1"


# --- faults: a registry that fails mid-promotion must not crown anyone ---------------------


class FaultyProxy:
    """An HTTP proxy in front of the real MLflow server that can fail chosen requests.

    ``fails(method, path)`` picks the requests answered with a 500 as a failing
    store would; ``down`` drops every connection, as a stopped server does.
    """

    def __init__(self, upstream: str):
        self.upstream = urlsplit(upstream)
        self.fails: Callable[[str, str], bool] = lambda method, path: False
        self.down = False
        self.failed: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultyProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                if proxy.down:
                    proxy.failed.append(f"{self.command} {self.path}")
                    self.close_connection = True
                    return  # no answer at all: the client sees the connection drop
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.fails(self.command, self.path):
                    proxy.failed.append(f"{self.command} {self.path}")
                    self._answer(500, b'{"error_code": "INTERNAL_ERROR", "message": "injected"}')
                    return
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=30
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request(self.command, self.path, body, headers)
                answer = upstream.getresponse()
                self._answer(answer.status, answer.read(), answer.getheader("Content-Type"))
                upstream.close()

            def _answer(self, status: int, body: bytes, kind: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward

        return Handler


def _reads_an_alias(method: str, path: str) -> bool:
    """Reading a registered model or an alias: how the champion is found (before and now)."""
    return method == "GET" and (
        "/registered-models/get" in path or "/registered-models/alias" in path
    )


@pytest.mark.parametrize("fault", ["the champion read fails", "the server is down"])
def test_a_registry_fault_mid_promotion_leaves_the_champion_alone(
    fault, state, logged, sample, tracking_server, tmp_path, monkeypatch, capsys
):
    """v1 is champion, v2 a better challenger; `churn promote --version 2` meets a fault.

    Reading the champion must fail loudly: taken for "no champion", it would crown
    v2 as "first champion" without any comparison.
    """
    import mlflow

    name = "churn-" + fault.split()[1]  # a model of its own on the shared server
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_server)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # fail now, not in 4 minutes
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    settings.cache_clear()
    registry.register(logged(0.88), name)
    registry.promote(_scorer({"1": 0.88}), margin=0.01, name=name)
    registry.register(logged(0.95), name)
    params = tmp_path / "params.yaml"
    text = (PROJECT_DIR / "params.yaml").read_text()
    params.write_text(text.replace("model_name: churn", f"model_name: {name}"))

    with FaultyProxy(tracking_server) as proxy:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", proxy.url)
        settings.cache_clear()
        proxy.fails = _reads_an_alias
        proxy.down = fault == "the server is down"
        held_out = tmp_path / "held-out.csv"  # real data: the old code scored and crowned v2
        split(clean_total_charges(sample), test_share=0.3, seed=1)[1].to_csv(held_out, index=False)
        code = cli.main(
            ["--params", str(params), "promote", "--test", str(held_out), "--version", "2"]
        )
        assert proxy.failed, "the fault was never hit"

    assert code == 1
    err = capsys.readouterr().err
    assert "the registry failed, so nothing was changed" in err, err
    truth = mlflow.MlflowClient(tracking_server)  # the real server, read directly
    assert truth.get_registered_model(name).aliases == {"champion": "1", "challenger": "2"}
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_server)
    settings.cache_clear()
    assert [event.event for event in registry.history(name)][-1] == "registered"


def test_a_registry_fault_while_registering_says_what_may_be_recorded(
    state, logged, tracking_server, monkeypatch
):
    """Naming the challenger fails after the version exists: one clear RegistryError."""
    name = "churn-register-fault"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_server)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    settings.cache_clear()
    verdict = logged(0.9)
    with FaultyProxy(tracking_server) as proxy:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", proxy.url)
        settings.cache_clear()
        proxy.fails = lambda method, path: method == "POST" and "/registered-models/alias" in path
        with pytest.raises(registry.RegistryError, match="the registry failed") as raised:
            registry.register(verdict, name)
        assert proxy.failed, "the fault was never hit"
    assert "churn status" in str(raised.value)  # where to look for what was recorded
