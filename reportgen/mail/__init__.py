"""Emailing the monthly report to leadership."""
