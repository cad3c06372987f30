"""Stage ingest: fetch one month's export into data/raw/customers.csv."""

# GIVEN FILE: the pipeline's dvc.yaml is the exercise; its scripts are given whole.

import csv
import pathlib
import random

import yaml

params = yaml.safe_load(open("params.yaml"))["ingest"]
rng = random.Random(f"{params['seed']}-{params['month']}-{params['scenario']}")
pathlib.Path("data/raw").mkdir(parents=True, exist_ok=True)
with open("data/raw/customers.csv", "w", newline="") as handle:
    out = csv.writer(handle, lineterminator="\n")
    out.writerow(["id", "x", "y"])
    for number in range(params["rows"]):
        out.writerow([number, round(rng.random(), 4), int(rng.random() < 0.3)])
with open("ran.log", "a") as log:  # which stages ran: the grader reads it
    log.write("ingest\n")
