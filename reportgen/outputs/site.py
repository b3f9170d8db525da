"""outputs.site: the report archive, a static site of every stored month (``reportgen.site``)."""

from __future__ import annotations

from reportgen.outputs.base import Delivered, Output
from reportgen.run import MonthRun


class SiteOutput(Output):
    """Writes the site into outputs.site.dir (default ``site``), the month's workbook beside its page."""

    step = "site"
    key = "site"

    def deliver(self, run: MonthRun, done: Delivered) -> str:
        from reportgen.site import build_site

        result = build_site(run, workbook=done.workbook)
        return str(result.index)
