"""Stage train: fit the "model" (here, a record of its settings and data) on the train rows."""

# GIVEN FILE: the pipeline's dvc.yaml is the exercise; its scripts are given whole.

import csv
import pathlib
import pickle

import yaml

params = yaml.safe_load(open("params.yaml"))["train"]
with open("data/processed/train.csv", newline="") as handle:
    rows = list(csv.DictReader(handle))
model = {"C": params["C"], "max_iter": params["max_iter"], "rows": len(rows)}
pathlib.Path("models").mkdir(exist_ok=True)
with open("models/model.pkl", "wb") as handle:
    pickle.dump(model, handle)
with open("ran.log", "a") as log:
    log.write("train\n")
