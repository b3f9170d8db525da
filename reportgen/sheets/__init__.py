"""Publishing the report model to a shared Google Sheet."""
