"""reportgen: the monthly customer-service report, from raw exports to a workbook."""

__version__ = "0.1.0"
