"""Exercise 1: the request schema of the churn API, one customer at a time.

The retention app asks the service "will these customers leave?". Whatever it
sends crosses a boundary, and a boundary needs a schema: a request the model
cannot score must be refused with a 422 that names the field, before it reaches
the model. Without one, ``Contract: "Monthly"`` (a typo) or ``tenure: -5`` is
scored anyway: the one-hot encoder ignores the unknown category, the scaler
happily scales the negative number, and a confident, wrong probability goes
back to the caller with a 200.

Two models are yours to write:

1. ``Customer``: one customer: the id that joins the late labels, and exactly the
   19 columns the model was trained on, each with its type and its allowed values.
2. ``PredictRequest``: a batch of customers, between 1 and ``MAX_BATCH``.

Given below: the vocabulary of the categorical columns, an example customer
(``/docs`` shows it, ready to try), and the response models.

The field names are the training columns, spelled as in the data
(``MonthlyCharges``, not ``monthly_charges``): the model's pipeline picks its
columns by those names, so the request can be handed to it as it is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH = 1000  # customers per request: enough for a call list, small enough to answer fast

# The allowed values of the categorical columns, as the billing system writes them.
YesNo = Literal["No", "Yes"]
AddOn = Literal["No", "No internet service", "Yes"]  # online security, backup, streaming...

# One typical customer: the example /docs shows, and a starting point for tests.
EXAMPLE_CUSTOMER = {
    "customerID": "01-00042-QWERT",
    "gender": "Female",
    "SeniorCitizen": 0,
    "Partner": "Yes",
    "Dependents": "No",
    "tenure": 5,
    "PhoneService": "Yes",
    "MultipleLines": "No",
    "InternetService": "Fiber optic",
    "OnlineSecurity": "No",
    "OnlineBackup": "No",
    "DeviceProtection": "No",
    "TechSupport": "No",
    "StreamingTV": "Yes",
    "StreamingMovies": "No",
    "Contract": "Month-to-month",
    "PaperlessBilling": "Yes",
    "PaymentMethod": "Electronic check",
    "MonthlyCharges": 80.85,
    "TotalCharges": 402.6,
}


class Customer(BaseModel):
    """One customer: the id, then the 19 training columns and nothing else.

    - ``customerID``: text of 1 to 64 characters. The model does not use it;
      the prediction log does: it is how the labels that arrive weeks later
      are joined to the answers the service gave (lesson 10).
    - ``extra="forbid"``: an unknown key is an error, not silently dropped.
      A client that sends ``NumComplaints`` believes the model uses it; one
      that sends ``Churn`` is sending the answer. Both should hear about it.
    - No NaN and no infinity in any number (``allow_inf_nan=False``): JSON
      parsers in Python accept ``NaN`` and ``Infinity``, and the model would
      score them.
    - ``SeniorCitizen`` is 0 or 1; ``tenure`` a whole number of months from
      0 (a new customer) to 72 (the billing system's cap);
      ``MonthlyCharges`` above 0; ``TotalCharges`` 0 or more (0 for a customer
      not billed yet: training turned the export's blank into 0.0).
    - Every categorical column accepts exactly its values in
      ``mlops_course.data.CATEGORIES``, spelled the same way.
    """

    # BEGIN SOLUTION hint: settle two things for the whole model (what happens to a key nobody declared, and whether a number may be NaN or infinite), then one typed field per column: the closed list of values for each category, a range for each number
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={"examples": [EXAMPLE_CUSTOMER]},
    )

    customerID: str = Field(min_length=1, max_length=64, description="joins the late labels")
    gender: Literal["Female", "Male"]
    SeniorCitizen: Literal[0, 1]
    Partner: YesNo
    Dependents: YesNo
    tenure: int = Field(ge=0, le=72, description="months with the company")
    PhoneService: YesNo
    MultipleLines: Literal["No", "No phone service", "Yes"]
    InternetService: Literal["DSL", "Fiber optic", "No"]
    OnlineSecurity: AddOn
    OnlineBackup: AddOn
    DeviceProtection: AddOn
    TechSupport: AddOn
    StreamingTV: AddOn
    StreamingMovies: AddOn
    Contract: Literal["Month-to-month", "One year", "Two year"]
    PaperlessBilling: YesNo
    PaymentMethod: Literal[
        "Bank transfer (automatic)",
        "Credit card (automatic)",
        "Electronic check",
        "Mailed check",
    ]
    MonthlyCharges: float = Field(gt=0, description="this month's bill")
    TotalCharges: float = Field(ge=0, description="billed so far; 0 for a new customer")
    # END SOLUTION


class PredictRequest(BaseModel):
    """The body of ``POST /predict``: ``{"customers": [{...}, {...}]}``.

    At least one customer and at most ``MAX_BATCH``; no other key.
    """

    # BEGIN SOLUTION hint: unknown top-level keys are refused here too; one field holding the customers, each checked as a Customer, with a smallest and a largest allowed count
    model_config = ConfigDict(extra="forbid")

    customers: list[Customer] = Field(min_length=1, max_length=MAX_BATCH)
    # END SOLUTION


# --- given: what the service answers -----------------------------------------------------


class Prediction(BaseModel):
    """The answer for one customer, in the order the customers were sent."""

    customerID: str = Field(description="the customer this answer is about")
    churn_probability: float = Field(ge=0, le=1, description="the model's probability of leaving")
    churn: bool = Field(description="churn_probability at or above the service's threshold")


class PredictResponse(BaseModel):
    """The body of a successful ``POST /predict``: which model answered, and its answers."""

    model_version: str = Field(description="the registered version that scored, e.g. '3'")
    predictions: list[Prediction]
