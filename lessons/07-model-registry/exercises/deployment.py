"""Exercise: deploy when the champion alias moves, told by the registry's webhook.

MLflow's tracking server (3.3 and later) can call a URL of yours when
something happens in the registry. Subscribed to the event
``model_version_alias.created``, it sends an HTTP POST each time an alias is
set: a promotion, an approval, a rollback. The body is JSON::

    {"entity": "model_version_alias", "action": "created",
     "timestamp": "2026-03-09T08:05:11.052+00:00",
     "data": {"name": "churn", "alias": "champion", "version": "3"}}

Anyone who can reach your URL can POST the same thing, so the server signs
each delivery with a secret you both know (set when the webhook is created),
in three headers:

- ``X-MLflow-Delivery-Id``: a unique id of this delivery;
- ``X-MLflow-Timestamp``: when it was sent, in whole seconds since 1970, as text;
- ``X-MLflow-Signature``: ``"v1,"`` followed by the base64 text of the
  HMAC-SHA256 of ``f"{delivery_id}.{timestamp}.{body}"`` under the secret
  (``body`` exactly as received, decoded as UTF-8).

One job is yours: ``champion_moved`` reads one delivery and says which
version to deploy. The receiver that calls it, and the deployment itself,
are in the lesson's notebook.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

CHAMPION = "champion"  # the alias production serves
SIGNATURE_HEADER = "X-MLflow-Signature"
TIMESTAMP_HEADER = "X-MLflow-Timestamp"
DELIVERY_HEADER = "X-MLflow-Delivery-Id"
SIGNATURE_VERSION = "v1"
MAX_AGE_SECONDS = 300  # an older (or later) delivery is refused: someone may be replaying it


def champion_moved(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    name: str,
    now: float | None = None,
) -> str | None:
    """Check one webhook delivery; return the version to deploy, or None.

    The rules, in order:

    1. Authentic: the three headers are there, and the signature equals the
       one computed with ``secret`` over the delivery id, the timestamp and
       the body exactly as received (not the JSON parsed and written again:
       other bytes, another signature). Compare the two with
       ``hmac.compare_digest``, which takes as long for a near miss as for a
       wild guess. Otherwise: ``PermissionError``.
    2. Fresh: the timestamp is a whole number of seconds at most
       ``MAX_AGE_SECONDS`` away from ``now`` (earlier or later). A genuine
       but old delivery is someone replaying it: ``PermissionError``.
    3. About us: only ``model_version_alias`` / ``created`` events for the
       registered model ``name`` and the alias ``champion`` ask for a
       deployment: return their ``version`` (text). Any other genuine event
       (another alias, another model, an alias deleted) returns None.

    Args:
        body: the request body, as bytes.
        headers: the request headers (names spelled as above).
        secret: the webhook's secret.
        name: the registered model this deployment serves, e.g. ``"churn"``.
        now: the current time in seconds since 1970 (default: ``time.time()``).

    Returns:
        The version to deploy, or None when the delivery asks for nothing.

    Raises:
        PermissionError: a delivery that is not signed with the secret, or too old.
    """
    # TODO: rebuild the signed text from the headers and the raw body, sign it with the shared secret the way the module docstring says, and compare in constant time; then the clock; only then read the JSON and decide
    raise NotImplementedError('TODO: rebuild the signed text from the headers and the raw body, sign it with the shared secret the way the module docstring says, and compare in constant time; then the clock; only then read the JSON and decide')
