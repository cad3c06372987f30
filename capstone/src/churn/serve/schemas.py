"""What the API accepts and answers: one pydantic model per message.

The categories come from the same ``CATEGORIES`` the pipeline's pandera schema
checks, so the service can never accept a value the model was not trained on.
Numbers refuse NaN and infinity; unknown fields are refused, not ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from churn.schema import CATEGORIES, MAX_TENURE_MONTHS

MAX_BATCH_ROWS = 1000

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)
# A new customer on a month-to-month contract: shown in /docs and used by smoke tests.
EXAMPLE_CUSTOMER = {
    "customerID": "7590-VHVEG",
    "gender": "Female",
    "SeniorCitizen": 0,
    "Partner": "Yes",
    "Dependents": "No",
    "tenure": 1,
    "PhoneService": "No",
    "MultipleLines": "No phone service",
    "InternetService": "DSL",
    "OnlineSecurity": "No",
    "OnlineBackup": "Yes",
    "DeviceProtection": "No",
    "TechSupport": "No",
    "StreamingTV": "No",
    "StreamingMovies": "No",
    "Contract": "Month-to-month",
    "PaperlessBilling": "Yes",
    "PaymentMethod": "Electronic check",
    "MonthlyCharges": 29.85,
    "TotalCharges": 29.85,
}


class Customer(BaseModel):
    """One customer as the CRM knows them today (no label: that arrives later)."""

    model_config = ConfigDict(**_STRICT, json_schema_extra={"examples": [EXAMPLE_CUSTOMER]})

    customerID: str = Field(min_length=1, max_length=64, description="joins the late labels")
    gender: Literal[*CATEGORIES["gender"]]
    SeniorCitizen: Literal[0, 1]
    Partner: Literal[*CATEGORIES["Partner"]]
    Dependents: Literal[*CATEGORIES["Dependents"]]
    tenure: int = Field(ge=0, le=MAX_TENURE_MONTHS, description="months as a customer")
    PhoneService: Literal[*CATEGORIES["PhoneService"]]
    MultipleLines: Literal[*CATEGORIES["MultipleLines"]]
    InternetService: Literal[*CATEGORIES["InternetService"]]
    OnlineSecurity: Literal[*CATEGORIES["OnlineSecurity"]]
    OnlineBackup: Literal[*CATEGORIES["OnlineBackup"]]
    DeviceProtection: Literal[*CATEGORIES["DeviceProtection"]]
    TechSupport: Literal[*CATEGORIES["TechSupport"]]
    StreamingTV: Literal[*CATEGORIES["StreamingTV"]]
    StreamingMovies: Literal[*CATEGORIES["StreamingMovies"]]
    Contract: Literal[*CATEGORIES["Contract"]]
    PaperlessBilling: Literal[*CATEGORIES["PaperlessBilling"]]
    PaymentMethod: Literal[*CATEGORIES["PaymentMethod"]]
    MonthlyCharges: float = Field(gt=0, le=500)
    TotalCharges: float = Field(ge=0, description="0 for a customer not billed yet")


class CustomerBatch(BaseModel):
    """Up to ``MAX_BATCH_ROWS`` customers scored in one call."""

    model_config = _STRICT

    customers: list[Customer] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class Prediction(BaseModel):
    """The churn risk of one customer and the model version that scored it."""

    customerID: str
    churn_probability: float
    will_churn: bool
    model_version: str
    request_id: str


class BatchPredictions(BaseModel):
    """One prediction per customer, in the order they were sent."""

    predictions: list[Prediction]


class ModelMetadata(BaseModel):
    """Which model answers: the registry name, version, alias and training run."""

    name: str
    version: str
    alias: str | None
    run_id: str | None
    model_uri: str
    loaded_at: str


class Readiness(BaseModel):
    """Whether the service can answer predictions now, and if not, why."""

    ready: bool
    model_version: str | None = None
    reason: str | None = None
