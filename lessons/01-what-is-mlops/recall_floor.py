"""Where the quality gate's churn-recall floor comes from: what a miss and an offer cost.

The retention team can send a churner-to-be an offer (a discount). Three ways to
spend that budget, per 1,000 customers:

- offer nobody: every churner leaves;
- offer everyone: every churner gets the offer, and so does every loyal customer;
- follow a model: offer to the customers it flags.

Measured against a perfect model (offer exactly the churners), a model loses
``m`` for each churner it misses (the margin an offer would have saved, net of
the offer) and ``c`` for each loyal customer it flags (an offer given away).
"Offer everyone" misses nobody and flags every loyal customer, so a model beats
it only when ``misses * m < loyal customers spared * c``.

The gate admits models with accuracy >= 0.85. The weakest of them makes 15
errors per 100 customers; the more of those are misses, the fewer loyal
customers it spares. Solving the inequality for that model gives the least
churn recall with which every model the gate admits beats "offer everyone":

    recall > 1 - (accuracy - churn share) / (churn share * (m / c - 1))

Recall is measured on a test set with a few hundred churners, so a model can
clear a bar by luck. The floor adds one standard error of that measurement.

Its output is committed beside it, as recall_floor.txt; from the course folder:

    cd lessons/01-what-is-mlops && ../../.venv/bin/python recall_floor.py > recall_floor.txt
"""

from __future__ import annotations

import math

from mlops_course import data

# The data world's month 0, as the lessons train on it.
ROWS = 20_000
SEED = 7
MIN_ACCURACY = 0.85  # the course's accuracy gate
TEST_ROWS = 1_000  # the capstone's test split: 20 % of a 5,000-row month

# The retention team's planning figures (assumptions: replace them with your own).
MARGIN = 0.5  # share of a bill that is margin
MONTHS_KEPT = 24  # how much longer a customer stays once an offer keeps them
SAVE_RATE = 0.3  # share of churners an offer keeps
OFFER_COST = 30.0  # euros per offer: 10 euros off the bill for three months


def miss_cost(bill: float, save_rate: float, offer: float) -> float:
    """Euros lost per churner a model misses: the margin an offer would have kept, net of it."""
    return save_rate * bill * MARGIN * MONTHS_KEPT - offer


def recall_floor(churn_share: float, miss: float, offer: float) -> float:
    """The least recall with which the weakest model the gate admits beats offering everyone."""
    return 1 - (MIN_ACCURACY - churn_share) / (churn_share * (miss / offer - 1))


def main() -> None:
    """Print the derivation, its sensitivity to the assumptions, and what each policy costs."""
    month0 = data.generate(month=0, rows=ROWS, seed=SEED)
    churners = month0[month0["Churn"] == "Yes"]
    share = len(churners) / len(month0)
    bill = float(churners["MonthlyCharges"].mean())
    miss = miss_cost(bill, SAVE_RATE, OFFER_COST)
    floor = recall_floor(share, miss, OFFER_COST)
    test_churners = share * TEST_ROWS
    error = math.sqrt(floor * (1 - floor) / test_churners)

    print(f"month 0 ({ROWS:,} customers, seed {SEED})")
    print(f"  churn share                        {share:.4f}")
    print(f"  churners' mean monthly bill        {bill:.2f} EUR")
    print("assumptions")
    print(f"  margin {MARGIN:.0%}, kept {MONTHS_KEPT} months, save rate {SAVE_RATE:.0%}")
    print(f"  one offer (c)                      {OFFER_COST:.2f} EUR")
    print("derived")
    print(f"  one missed churner (m)             {miss:.2f} EUR ({miss / OFFER_COST:.1f} offers)")
    print(f"  cut-off: offer when P(churn) >     {OFFER_COST / (miss + OFFER_COST):.3f}")
    print(f"  floor at accuracy {MIN_ACCURACY:.2f}             {floor:.3f}")
    print(f"  one standard error ({test_churners:.0f} churners)  {error:.3f}")
    print(f"  gate's recall floor                {floor + error:.2f}")

    print("\nsensitivity of the floor (before the margin for noise)")
    offers = (20.0, 30.0, 50.0)
    print("  save rate " + "".join(f"  offer {offer:3.0f} EUR" for offer in offers))
    for save_rate in (0.2, 0.3, 0.4):
        floors = [recall_floor(share, miss_cost(bill, save_rate, o), o) for o in offers]
        print(f"  {save_rate:9.0%} " + "".join(f"  {max(f, 0.0):13.2f}" for f in floors))

    print("\nEUR lost per 1,000 customers, against offering exactly the churners")
    churn, loyal = 1000 * share, 1000 * (1 - share)
    print(f"  offer nobody                       {churn * miss:9,.0f}")
    print(f"  offer everyone                     {loyal * OFFER_COST:9,.0f}")
    for recall in (0.6, round(floor + error, 2), 0.8):
        misses = churn * (1 - recall)
        false_alarms = 1000 * (1 - MIN_ACCURACY) - misses
        lost = misses * miss + false_alarms * OFFER_COST
        print(f"  model, accuracy 0.85, recall {recall:.2f}  {lost:9,.0f}")


if __name__ == "__main__":
    main()
