"""The churn capstone: versioned data in, a validated, tracked, served and monitored model out."""
