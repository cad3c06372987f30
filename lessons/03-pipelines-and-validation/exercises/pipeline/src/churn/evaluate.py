"""Stage evaluate: score the model on the test rows, write reports/metrics.json."""

# GIVEN FILE: the pipeline's dvc.yaml is the exercise; its scripts are given whole.

import csv
import json
import pathlib
import pickle

import yaml

params = yaml.safe_load(open("params.yaml"))["evaluate"]
with open("models/model.pkl", "rb") as handle:
    model = pickle.load(handle)
with open("data/processed/test.csv", newline="") as handle:
    rows = list(csv.DictReader(handle))
hits = sum(
    (float(row["x"]) * model["C"] > params["threshold"]) == (row["y"] == "1") for row in rows
)
pathlib.Path("reports").mkdir(exist_ok=True)
with open("reports/metrics.json", "w") as handle:
    json.dump({"accuracy": round(hits / len(rows), 4)}, handle)
with open("ran.log", "a") as log:
    log.write("evaluate\n")
