"""Exercise 3: pick up a new champion without downtime.

A service resolves ``models:/churn@champion`` when it loads the model. After a
promotion or a rollback (lesson 07) it keeps serving the old version until it
loads again. Restarting works, but drops the requests in flight and leaves a
gap while the new process loads. The alternative, in four steps:

1. **poll** the registry: which version does the alias point at now?
2. if it is not the version being served, **load** that version *beside* the
   one serving: requests keep being answered by the old model meanwhile;
3. **swap** one reference, ``self.served``, in a single assignment;
4. requests that started before the swap hold the old ``Served`` object and
   finish on it; the next requests read the new one. Nothing is mutated in place.

If anything fails (registry unreachable, alias deleted, files missing), the
service keeps serving what it has and remembers why in ``last_error``.

Given below: ``Served``, ``load_version`` and the polling loop ``Champion.poll``.
Two jobs are yours: ``Champion.registry_version`` and ``Champion.refresh``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException


@dataclass(frozen=True)
class Served:
    """One loaded model and its registered version. Frozen: replaced, never changed."""

    version: str
    model: Any


def load_version(tracking_uri: str, model_name: str, version: str) -> Any:
    """Load one registered version as a scikit-learn Pipeline."""
    mlflow.set_tracking_uri(tracking_uri)  # models:/ URIs resolve through it
    return mlflow.sklearn.load_model(f"models:/{model_name}/{version}")


class Champion:
    """The model a service is answering with, and how to replace it while it answers.

    A request handler reads ``champion.served`` once and uses that object for
    the whole request. A background thread calls ``poll`` (or anything calls
    ``refresh``) to follow the alias.

    Args:
        tracking_uri: the MLflow store with the registry.
        model_name: the registered model, e.g. ``churn``.
        alias: the role to follow.
        loader: ``loader(tracking_uri, model_name, version) -> model``; tests pass
            their own to count loads or to make one fail.
    """

    def __init__(
        self,
        tracking_uri: str,
        model_name: str,
        alias: str = "champion",
        loader: Callable[[str, str, str], Any] = load_version,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.model_name = model_name
        self.alias = alias
        self.loader = loader
        self.served: Served | None = None  # nothing until the first refresh
        self.last_error: str | None = None  # why the last refresh could not swap, if it failed
        self._refreshing = threading.Lock()  # one refresh at a time

    def registry_version(self) -> str | None:
        """The version the alias points at in the registry now.

        Returns:
            The version as text (``"3"``; MLflow gives an int), or None when the
            registered model or the alias does not exist.
        """
        # TODO: ask a client of this store which version holds the alias; MLflow answers a number, return it as text; MLflow's own exception means no such model or alias: answer None
        raise NotImplementedError("TODO: ask a client of this store which version holds the alias; MLflow answers a number, return it as text; MLflow's own exception means no such model or alias: answer None")

    def refresh(self) -> bool:
        """Follow the alias once. Returns True if a new model now serves, else False.

        - The alias points at the version already served: nothing to do, and
          nothing is loaded again.
        - It points at another version (or nothing serves yet): load that
          version with ``self.loader`` while ``self.served`` keeps answering,
          then replace ``self.served`` with a new ``Served`` in one assignment,
          and clear ``last_error``.
        - No alias (``registry_version()`` is None), or the load raises: keep
          ``self.served`` as it is, set ``last_error`` to a message naming the
          model and alias (and the version that failed to load), return False.
          The next refresh tries again.

        Ask the registry once per refresh, and record exactly the version you
        asked the loader for. Asking again after the load is a race: if
        someone moves the alias meanwhile, you would label version 1's model
        "version 2", and every answer would name the wrong model.
        """
        # TODO: one refresh at a time (the lock); ask for the wanted version ONCE and use that answer for both the load and the record of what serves; the same version as served means nothing to do; a load that fails leaves everything as it was, with the reason kept; the swap is a single assignment of a new frozen object
        raise NotImplementedError('TODO: one refresh at a time (the lock); ask for the wanted version ONCE and use that answer for both the load and the record of what serves; the same version as served means nothing to do; a load that fails leaves everything as it was, with the reason kept; the swap is a single assignment of a new frozen object')

    def poll(self, interval: float, stop: threading.Event) -> None:
        """Refresh every ``interval`` seconds until ``stop`` is set (run it in a thread).

        A refresh that raises does not end the polling: the reason is kept in
        ``last_error`` and the next round tries again.
        """
        while not stop.wait(interval):
            try:
                self.refresh()
            except Exception as error:  # noqa: BLE001 - a dead poller would never reload again
                self.last_error = f"refresh failed: {type(error).__name__}: {error}"
