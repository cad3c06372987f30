"""What a raw batch must look like. validate.py imports it."""

# GIVEN FILE: the pipeline's dvc.yaml is the exercise; its scripts are given whole.

COLUMNS = ("id", "x", "y")


def problems(rows: list[dict], max_null_share: float) -> list[str]:
    """Return one message per problem in a batch of rows read from CSV (empty: valid)."""
    if not rows:
        return ["the batch is empty"]
    found = [f"{column}: missing column" for column in COLUMNS if column not in rows[0]]
    blank = sum(1 for row in rows if not row.get("x"))
    if blank / len(rows) > max_null_share:
        found.append(f"x: {blank} of {len(rows)} values missing")
    labels = {row.get("y") for row in rows} - {"0", "1"}
    if labels:
        found.append(f"y: labels other than 0 and 1: {sorted(map(str, labels))}")
    return found
