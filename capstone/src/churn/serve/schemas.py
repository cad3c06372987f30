"""What the API accepts and answers: one pydantic model per message.

The categories come from the same ``CATEGORIES`` the pipeline's pandera schema
checks, so the service can never accept a value the model was not trained on.
Types are strict, as the published schema says: ``"72"``, ``true`` or ``1.5``
is not a tenure (``72.0`` is: JSON Schema counts it as an integer). Every
number is bounded by what the data world can produce (with room for real
prices to grow), so nothing like ``1e308`` reaches the prediction log and, a
month later, the monitor. Unknown fields are refused, not ignored. The
customer id is joined with the late labels, so it is a plain printable code:
no control, invisible or bidirectional characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler
from pydantic.config import JsonDict
from pydantic_core import CoreSchema, core_schema

from churn.schema import CATEGORIES, MAX_MONTHLY_CHARGES, MAX_TENURE_MONTHS, NUMERIC_BOUNDS

MAX_BATCH_ROWS = 1000
MAX_TOTAL_CHARGES = NUMERIC_BOUNDS["TotalCharges"][1]
# Letters and digits, then also `_ . : -`: the CRM's codes (`7590-VHVEG`, `03-00042-QWERT`).
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


def _whole_number(value: object) -> object:
    """JSON has one kind of number: ``72.0`` is the integer 72 (JSON Schema agrees), 72.5 is not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer, also when written 72.0; never "72" or true.
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


@dataclass(frozen=True)
class _OneOf:
    """Field metadata: one of a column's training categories (an enum in the schema).

    ``Literal[*CATEGORIES[column]]`` would say the same, but a type checker cannot read
    a Literal built at run time; this keeps the field a ``str`` to it.
    """

    column: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.literal_schema(list(CATEGORIES[self.column]))


# A new customer on a month-to-month contract: shown in /docs and used by smoke tests.
EXAMPLE_CUSTOMER: JsonDict = {
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

    customerID: str = Field(
        pattern=CUSTOMER_ID_PATTERN, description="joins the late labels; 1-64 characters"
    )
    gender: Annotated[str, _OneOf("gender")]
    # Bounds, not Literal[0, 1]: a Literal would take `true` for 1.
    SeniorCitizen: WholeNumber = Field(ge=0, le=1, description="1 for a senior customer")
    Partner: Annotated[str, _OneOf("Partner")]
    Dependents: Annotated[str, _OneOf("Dependents")]
    tenure: WholeNumber = Field(ge=0, le=MAX_TENURE_MONTHS, description="months as a customer")
    PhoneService: Annotated[str, _OneOf("PhoneService")]
    MultipleLines: Annotated[str, _OneOf("MultipleLines")]
    InternetService: Annotated[str, _OneOf("InternetService")]
    OnlineSecurity: Annotated[str, _OneOf("OnlineSecurity")]
    OnlineBackup: Annotated[str, _OneOf("OnlineBackup")]
    DeviceProtection: Annotated[str, _OneOf("DeviceProtection")]
    TechSupport: Annotated[str, _OneOf("TechSupport")]
    StreamingTV: Annotated[str, _OneOf("StreamingTV")]
    StreamingMovies: Annotated[str, _OneOf("StreamingMovies")]
    Contract: Annotated[str, _OneOf("Contract")]
    PaperlessBilling: Annotated[str, _OneOf("PaperlessBilling")]
    PaymentMethod: Annotated[str, _OneOf("PaymentMethod")]
    MonthlyCharges: float = Field(gt=0, le=MAX_MONTHLY_CHARGES)
    TotalCharges: float = Field(
        ge=0, le=MAX_TOTAL_CHARGES, description="billed so far; 0 for a customer not billed yet"
    )


class CustomerBatch(BaseModel):
    """Up to ``MAX_BATCH_ROWS`` customers scored in one call."""

    model_config = _STRICT

    customers: list[Customer] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class Prediction(BaseModel):
    """The churn risk of one customer and the model version that scored it."""

    customerID: str
    churn_probability: float = Field(ge=0, le=1)
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


class FieldProblem(BaseModel):
    """One reason a request was refused: the field (``body`` for the whole) and what is wrong."""

    field: str
    message: str


class ValidationProblem(BaseModel):
    """A 422: the body is JSON, but some values do not fit the schema."""

    detail: str = Field(description="a one-line summary naming the fields")
    errors: list[FieldProblem]


class Problem(BaseModel):
    """Any other refusal (400, 413, 415, 503): what went wrong, in one line."""

    detail: str
