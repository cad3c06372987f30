"""The capstone's pages, in a real browser: what a person opens and checks.

Headless Chromium (``mlops_course.browser``) opens the service's ``/docs`` and
sends the example with *Try it out*, a monitoring report as ``churn monitor``
writes it, and the MLflow UI's page of the registered model. Each test asserts
what a person would look for and saves a screenshot under the test workspace's
``screenshots/``, whether it passes or not. Without Chromium they skip and say
why; under ``COURSE_CI=1`` they fail. They start real servers, so they run in
their own CI step (``make test-live``), not in ``make test``.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

import pytest

from churn.report import SUMMARY_ID
from churn.serve.app import ServiceSettings, create_app
from mlops_course import browser as chromium
from mlops_course import servers

pytestmark = pytest.mark.live

# The top of a monitoring report: the summary for people (churn.report), then Evidently's
# widgets, one per column.
REPORT_TOP = f"body > section#{SUMMARY_ID}"
EVIDENTLY_TOP = "body > div[id^='root_metric_']"
COLUMN_HEADING = re.compile(r"^Drift in column '(\w+)'$")


@pytest.fixture(scope="module")
def browser(require_tool):
    """Headless Chromium for this module."""
    executable = require_tool(*chromium.configured_chromium())
    with chromium.chromium(executable) as started:
        yield started


@pytest.fixture
def page(browser, request):
    """A fresh page that must load everything locally; a screenshot is saved at the end."""
    opened = browser.new_page(viewport={"width": 1400, "height": 1000})
    remote = chromium.record_remote_requests(opened)
    yield opened
    chromium.screenshot(opened, request.node.name)
    opened.close()
    assert not remote, f"the page asked the network for {remote[:5]}"


@pytest.fixture(scope="module")
def service(store, tmp_path_factory):
    """The service on 127.0.0.1 (uvicorn in a thread of this process); its URL."""
    import uvicorn

    settings = ServiceSettings(
        tracking_uri=store["uri"], prediction_log=tmp_path_factory.mktemp("page-log")
    )
    port = servers.free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="service-under-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: server.started, "the service to start")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_docs_try_it_out_scores_the_example(page, service):
    page.goto(f"{service}/docs")
    operation = page.locator("#operations-default-predict_predict_post")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table tbody tr.response")
    answer.wait_for()
    status = answer.locator(".response-col_status").inner_text().strip()
    body = answer.locator(".response-col_description pre").first.inner_text()
    answer.scroll_into_view_if_needed()  # the screenshot shows the answer
    assert status == "200", f"/predict answered {status}: {body}"
    assert '"churn_probability"' in body and '"model_version": "1"' in body, body


def test_a_monitoring_report_shows_each_columns_drift(page, tmp_path):
    verdict = _monitoring_report(tmp_path)
    page.goto(Path(verdict.report).as_uri())
    headings = page.get_by_text(COLUMN_HEADING)
    headings.first.wait_for()
    summary = page.locator(REPORT_TOP).inner_text()
    assert summary.startswith(f"Churn monitor: {verdict.window}"), summary[:200]
    assert all(name in summary.split("Drifted:")[1] for name in verdict.drifted_columns)
    top = page.locator(EVIDENTLY_TOP).first
    assert COLUMN_HEADING.search(top.inner_text().splitlines()[0]), top.inner_text()[:200]
    shown = [COLUMN_HEADING.match(text).group(1) for text in headings.all_inner_texts()]
    assert sorted(shown) == sorted(verdict.columns), shown
    assert verdict.drifted_columns, "the month should drift: price_increase, month 4"
    for name, drift in verdict.columns.items():
        card = page.get_by_text(f"Drift in column '{name}'").locator("xpath=..")
        says = card.inner_text()
        assert ("Data drift detected" in says) == drift.drifted, says
        shown_score = float(re.search(r"Drift score: ([\d.]+)", says).group(1))
        assert shown_score == pytest.approx(drift.score, abs=0.0006), (says, drift.score)
    first_drifted = page.get_by_text(f"Drift in column '{verdict.drifted_columns[0]}'")
    first_drifted.evaluate("heading => heading.scrollIntoView({block: 'start'})")


def test_the_mlflow_ui_shows_the_champion_version(page, store, tmp_path, monkeypatch):
    command = [str(Path(sys.executable).parent / "mlflow"), "ui", "--backend-store-uri"]
    port = servers.free_port()
    command += [store["uri"], "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    monkeypatch.setenv("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")  # up in ~15 s, not ~45 s
    with servers.running_server("mlflow-ui", command, tmp_path, port, "/health", 120) as ui:
        page.goto(f"{ui.url}/#/models/churn")
        alias = page.get_by_text(re.compile(r"^@\s*champion$"))
        alias.wait_for(timeout=30_000)
        version_link = page.get_by_text(re.compile(r"^Version \d+$"))
        versions = page.get_by_role("row").filter(has=version_link)
        champion = versions.filter(has=alias)
        assert versions.count() == 2 and champion.count() == 1, versions.all_inner_texts()
        assert re.search(r"\bVersion 1\b", champion.inner_text()), champion.inner_text()
        champion.scroll_into_view_if_needed()


def _monitoring_report(folder: Path):
    """Month 4 of a price increase against month 0, checked as ``churn monitor`` checks it."""
    from churn.config import load_params
    from churn.featurize import clean_total_charges
    from churn.monitor import monitor
    from churn.paths import PROJECT_DIR
    from mlops_course import data

    params = load_params(PROJECT_DIR / "params.yaml")
    reference = clean_total_charges(data.generate(0, 1000, 1))
    # 1,000 rows: the monitor judges no drift on smaller windows (params.yaml, min_rows).
    month = clean_total_charges(data.generate(4, 1000, 2, "price_increase"))
    logged = month.drop(columns=["Churn"]).assign(churn_probability=0.3, model_version="1")
    return monitor(logged, reference, params.monitor, "month-4", folder, None, 0.9)


def _wait_for(condition, what: str, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.05)
