"""Emailing the monthly report to leadership.

settings.py   ``outputs.email`` → validated ``EmailSettings`` (ConfigError names the YAML key)
summary.py    MonthData → what the email says (headline KPIs, categories, spikes, data quality)
chart.py      the inline ticket-volume chart (PNG, Pillow)
message.py    jinja2 templates (``templates_dir`` or ``reportgen.templates``) → ``EmailMessage``
transport.py  SMTP: STARTTLS / implicit TLS / none, verified certificates, bounded retries
send.py       ``email_report``: workbook + summary → message → SMTP or .eml (``outputs.email`` calls it)
"""
