"""The churn service: the champion model behind a typed HTTP API (``churn serve``)."""
