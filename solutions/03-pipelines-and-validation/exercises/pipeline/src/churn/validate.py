"""Stage validate: stop the pipeline on a broken batch, pass a good one on to data/interim/."""

# GIVEN FILE: the pipeline's dvc.yaml is the exercise; its scripts are given whole.

import csv
import pathlib
import shutil
import sys

import yaml
from schema import problems  # run as a script, its own folder (src/churn) is on the path

params = yaml.safe_load(open("params.yaml"))["validate"]
with open("data/raw/customers.csv", newline="") as handle:
    rows = list(csv.DictReader(handle))
found = problems(rows, params["max_null_share"])
if found:
    print("validate: data/raw/customers.csv is broken:", *found, sep="\n  ", file=sys.stderr)
    sys.exit(1)
pathlib.Path("data/interim").mkdir(parents=True, exist_ok=True)
shutil.copyfile("data/raw/customers.csv", "data/interim/customers.csv")
with open("ran.log", "a") as log:
    log.write("validate\n")
