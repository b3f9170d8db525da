"""A local stand-in for Google's token, Sheets v4 and Drive v3 endpoints (tests only)."""
