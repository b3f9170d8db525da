"""Decimal commas: numbers as most of Europe writes them (``4,5``, ``45000,00``, ``1.234,56``).

A ``;``-separated file is what a spreadsheet writes where the comma is the decimal
mark. Its number columns are read with decimal commas per column, when the whole
column says so: at least one value has a decimal comma (``4,5``, ``1.234,56``) and
no value has a decimal point (``4.5``); whole numbers (``5``) and thousands dots
alone (``1.234``) fit either reading. A column of both marks is left as it is (its
comma values are then reported as not numbers). ``decimal: ","`` on a source reads
every number column of its files that way whatever the separator; ``decimal: "."``
never does.

    columns = decimal_comma_columns(con, sql, {"score": "c3"})   # ["score"] for 4,5 / 3 / 5
    expression = as_decimal_point("c3")   # '4,5' → '4.5', '1.234,56' → '1234.56'; other text as is

The rewrite happens on the text, before the engine (or the business reader) parses it,
so every reader downstream sees ordinary numbers.
"""

from __future__ import annotations

import duckdb

# a number written with decimal commas, thousands dots optional: 4,5 · 45000,00 · 1.234,56
_WITH_COMMA = r"[+-]?([0-9]{1,3}([.][0-9]{3})+|[0-9]+),[0-9]+"
# a number that reads the same either way, or only with decimal commas: 5 · 1.234 (thousands)
_EITHER = r"[+-]?([0-9]+|[0-9]{1,3}([.][0-9]{3})+)"
# everything the rewrite turns into a decimal-point number
_COMMA_NUMBER = r"[+-]?([0-9]{1,3}([.][0-9]{3})+|[0-9]+)(,[0-9]+)?"

DECIMAL_COMMA_NOTE = "{file}: {column} read with decimal commas (inferred from the whole column)"


def as_decimal_point(text: str) -> str:
    """SQL: the text expression ``text`` with a decimal-comma number rewritten with a point."""
    trimmed = f"trim({text})"
    return (f"CASE WHEN regexp_full_match({trimmed}, '{_COMMA_NUMBER}') "
            f"THEN replace(replace({trimmed}, '.', ''), ',', '.') ELSE {text} END")


def decimal_comma_columns(con: duckdb.DuckDBPyConnection, relation_sql: str,
                          columns: dict[str, str]) -> list[str]:
    """The ``columns`` (name → text expression over ``relation_sql``) written with decimal commas.

    One pass over the relation: per column, the values with a decimal comma and the values
    with a dot or a comma that fit no decimal-comma reading (``4.5``).
    """
    if not columns:
        return []
    counts = []
    for text in columns.values():
        value = f"trim(CAST({text} AS VARCHAR))"
        counts.append(f"count(*) FILTER (WHERE regexp_full_match({value}, '{_WITH_COMMA}'))")
        counts.append(f"count(*) FILTER (WHERE regexp_matches({value}, '[.,]') "
                      f"AND NOT regexp_full_match({value}, '{_WITH_COMMA}') "
                      f"AND NOT regexp_full_match({value}, '{_EITHER}'))")
    row = con.execute(f"SELECT {', '.join(counts)} FROM ({relation_sql})").fetchone()
    if row is None:
        return []
    return [name for index, name in enumerate(columns)
            if row[2 * index] and not row[2 * index + 1]]
