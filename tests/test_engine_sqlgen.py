"""The measure SQL is generated from the declarations: every SQL measure computed once, nothing else."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from reportgen.config import KpiOptions
from reportgen.engine.sqlgen import measures_sql, option_values
from reportgen.measures import MEASURES, NPS_BANDS


def test_every_declared_sql_measure_is_computed_exactly_once() -> None:
    options = KpiOptions()
    computed = [name for dataset in ("tickets", "surveys") for q in measures_sql(dataset, options)
                for name in q.measures]
    expected = [name for name, m in MEASURES.items()
                if m.aggregation not in ("business", "derived") and not m.business_hours]
    assert sorted(computed) == sorted(expected)
    assert len(computed) == len(set(computed))
    # with business_hours: the business-hours measures too, once each
    with_business = [name for dataset in ("tickets", "surveys")
                     for q in measures_sql(dataset, options, business_hours=True) for name in q.measures]
    business = [name for name, m in MEASURES.items() if m.business_hours]
    assert len(business) == 8
    assert sorted(with_business) == sorted(expected + business)
    # the rest are filled by the business file or derived by the engine, and nothing else exists
    rest = {name for name, m in MEASURES.items() if m.aggregation in ("business", "derived")}
    assert rest == {"backlog_open", "assigned_tickets", "distinct_agents", "customers_start",
                    "customers_end", "customers_new", "customers_lost", "sales_marketing_spend",
                    "revenue", "customer_lifespan_years"}


@pytest.mark.parametrize("dataset", ["tickets", "surveys"])
def test_sql_parses_with_sqlglot_and_names_its_columns(dataset: str) -> None:
    for query in measures_sql(dataset, KpiOptions(), relation=f"clean_{dataset}"):
        tree = sqlglot.parse_one(query.sql, read="duckdb")
        aliases = [e.alias_or_name for e in tree.expressions]
        keys = 2 if query.dimension else 1
        assert tuple(aliases[keys:]) == query.measures
        assert f"clean_{dataset}" in query.sql
        # transpiles for a warehouse without losing a column
        postgres = sqlglot.transpile(query.sql, read="duckdb", write="postgres")[0]
        assert all(f'"{name}"' in postgres for name in query.measures)


def test_options_reach_the_filters() -> None:
    options = KpiOptions.model_validate({"sla": {"first_response_hours": 8}, "fcr": {"max_replies": 3},
                                         "csat": {"satisfied_min": 5}})
    sql = " ".join(q.sql for d in ("tickets", "surveys") for q in measures_sql(d, options))
    assert "first_response_hours <= 8.0" in sql
    assert "replies <= 3 AND reopens = 0" in sql
    assert "kind = 'csat' AND score >= 5.0" in sql
    assert option_values(options)["max_replies"] == "3"


def test_generated_sql_on_a_hand_made_relation() -> None:
    """Counts worked out by hand on five survey rows and four tickets."""
    con = duckdb.connect()
    con.execute("CREATE TABLE surveys (submitted_month VARCHAR, kind VARCHAR, score DOUBLE)")
    con.execute("INSERT INTO surveys VALUES ('2026-10','nps',10), ('2026-10','nps',9), ('2026-10','nps',7),"
                " ('2026-10','nps',3), ('2026-10','csat',4)")
    (query,) = measures_sql("surveys", KpiOptions())
    row = con.execute(query.sql).fetchone()
    assert row is not None
    got = dict(zip(query.measures, row[1:], strict=True))
    # promoters 10, 9 → 2; passives 7 → 1; detractors 3 → 1; csat 4 ≥ 4 → satisfied
    assert (got["nps_responses"], got["promoters"], got["passives"], got["detractors"]) == (4, 2, 1, 1)
    assert (got["csat_responses"], got["csat_satisfied"], got["csat_negative"]) == (1, 1, 0)
    con.execute("CREATE TABLE tickets (created_month VARCHAR, resolved_month VARCHAR, resolved TIMESTAMPTZ,"
                " first_response_hours DOUBLE, resolution_hours DOUBLE, replies BIGINT, reopens BIGINT,"
                " category VARCHAR, channel VARCHAR, agent VARCHAR)")
    con.execute("INSERT INTO tickets VALUES"
                " ('2026-10','2026-10','2026-10-02',1,10,1,0,'A','mail','x'),"
                " ('2026-10','2026-11','2026-11-02',30,100,2,0,'A','mail',NULL),"
                " ('2026-10',NULL,NULL,NULL,NULL,NULL,0,NULL,'chat','x'),"
                " ('2026-11','2026-11','2026-11-03',3,5,1,1,'B','chat','y')")
    results = {q.measures[0]: (q, con.execute(q.sql + " ORDER BY ALL").fetchall())
               for q in measures_sql("tickets", KpiOptions())}
    created_q, created = results["tickets_created"]
    october = dict(zip(created_q.measures, created[0][1:], strict=True))
    # created in Oct: 3; resolved 2; answered 2 (1 h, 30 h: sum 31, median 15.5); SLA 24 h: 1
    assert october["tickets_created"] == 3 and october["tickets_created_resolved"] == 2
    assert october["first_response_count"] == 2 and october["first_response_hours_sum"] == 31
    assert october["first_response_median_hours"] == pytest.approx(15.5) and october["sla_met"] == 1
    resolved_q, resolved = results["tickets_resolved"]
    november = dict(zip(resolved_q.measures, resolved[1][1:], strict=True))
    # resolved in Nov: 2 (100 h, 5 h); FCR: replies ≤ 1 and never reopened → none; reopened: 1
    assert (november["tickets_resolved"], november["resolution_hours_sum"]) == (2, 105)
    assert (november["fcr_resolved"], november["reopened_resolved"]) == (0, 1)
    agent_q, agents = results["agent_tickets"]
    assert agent_q.dimension == "agent" and [r[:3] for r in agents] == [("2026-10", "x", 2), ("2026-11", "y", 1)]


def test_nps_bands_declared_once() -> None:
    assert NPS_BANDS == {"promoters": (9, 10), "passives": (7, 8), "detractors": (0, 6)}
    for name, (low, high) in NPS_BANDS.items():
        assert MEASURES[name].filter == f"kind = 'nps' AND score >= {low} AND score <= {high}"
