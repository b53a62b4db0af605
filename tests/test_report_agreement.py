"""`solieu compare`, the notebook and `solieu report` give the same headline value, of the same counted kind, for every row of one store."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import pandas as pd
from nbclient import NotebookClient

from dataset_fixtures import CORPUS, corpus_extractor, kind_of, make_figure
from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.records import Document
from test_report import page_data

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "cross_province.ipynb"
MARKER = "HEADLINES:"

# A total and its parts by kind, and the same total again in a second document: one headline, no conflict.
HOA_BINH = Document(
    doc_id="hb-2019", source="https://baohoabinh.com.vn/2019", published="2019-12-30",
    text="Năm 2019, toàn tỉnh Hòa Bình có 941 cơ sở kinh doanh dịch vụ dễ phát sinh tệ nạn mại dâm, "
         "trong đó 908 nhà nghỉ, khách sạn và 16 karaoke.",
)
HOA_BINH_AGAIN = Document(
    doc_id="hb-2019-b", source="https://example.vn/hoa-binh", published="2020-01-05",
    text="Hòa Bình quản lý 941 cơ sở kinh doanh dịch vụ nhạy cảm trong năm 2019.",
)


# Cases and the people charged in them: one metric, two kinds of thing counted.
HAU_GIANG = Document(
    doc_id="hg-2022", source="https://example.vn/hau-giang", published="2023-01-10",
    text="Năm 2022, Công an tỉnh Hậu Giang khởi tố 7 vụ án, 23 bị can về tội chứa mại dâm.",
)


def hau_giang(doc: Document):
    where = {"province": "Hậu Giang", "province_2025": "Cần Thơ", "period": "2022"}
    return [make_figure(doc, "7", 7.0, "criminal_cases", counted="vụ án", **where),
            make_figure(doc, "23", 23.0, "criminal_cases", counted="bị can", **where)]


def hoa_binh(doc: Document):
    where = {"province": "Hòa Bình", "province_2025": "Phú Thọ", "period": "2019"}
    return [make_figure(doc, n, float(n), "establishments_at_risk", **where) for n in ("941", "908", "16")]


def hoa_binh_again(doc: Document):
    return [make_figure(doc, "941", 941.0, "establishments_at_risk", province="Hòa Bình", province_2025="Phú Thọ",
                        period="2019")]


# A total of parts listed after it, beside a larger count of something broader.
HA_NOI = Document(
    doc_id="hn-2010", source="https://hethongphapluat.vn/ke-hoach-89", published="2011-07-15",
    text="Năm 2010 có 30.688 cơ sở kinh doanh dịch vụ có điều kiện, trong đó 2.589 cơ sở dễ bị lợi dụng để "
         "hoạt động mại dâm (941 khách sạn, 1.632 nhà nghỉ, 16 vũ trường).",
)


def ha_noi(doc: Document):
    where = {"province": "Hà Nội", "province_2025": "Hà Nội", "period": "2010"}
    return [make_figure(doc, n, float(n.replace(".", "")), "establishments_at_risk", **where)
            for n in ("30.688", "2.589", "941", "1.632", "16")]


Key = tuple[object, ...]


KEYS = ("province", "scope", "metric", "period", "status", "unit", "counted_kind")


def keyed(rows: list[dict]) -> dict[Key, float | None]:
    """(province, scope, metric, period, status, unit, counted kind) → headline value, rounded as the page rounds it."""
    def clean(value: object) -> object:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    out = {}
    for row in rows:
        key = tuple(clean(row[k]) for k in KEYS)
        value = clean(row["value"])
        out[key] = None if value is None else round(float(value), 4)
    return out


def from_csv(path: Path) -> dict[Key, float | None]:
    table = pd.read_csv(path, dtype={"period": str})
    return keyed(table.to_dict(orient="records"))


def from_report(path: Path) -> dict[Key, float | None]:
    data = page_data(path.read_text(encoding="utf-8"))
    scopes = {data["national"]: "national", data["unplaced"]: "unknown"}
    return keyed([{
        "province": None if cell[0] >= data["placed"] else data["provinces"][cell[0]],
        "scope": scopes.get(cell[0], "province"),
        "metric": data["metrics"][cell[1]]["code"], "period": cell[2], "status": cell[3],
        "unit": data["units"][cell[4]], "counted_kind": data["kinds"][cell[16]]["code"], "value": cell[5],
    } for cell in data["cells"]])


def from_notebook(db: Path, monkeypatch) -> dict[Key, float | None]:
    """Run the notebook on the store, then print the table it computed (one cell added at the end)."""
    monkeypatch.setenv("SOLIEU_DB", str(db))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        f'print("{MARKER}" + table[{list(KEYS) + ["value"]!r}]'
        '.to_json(orient="records", force_ascii=False))'))
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    return keyed(json.loads(printed.split(MARKER, 1)[1]))


def test_compare_csv_notebook_and_report_show_the_same_headline_values(tmp_path: Path, monkeypatch):
    db = tmp_path / "solieu.duckdb"
    docs = list(CORPUS) + [HOA_BINH, HOA_BINH_AGAIN, HA_NOI, HAU_GIANG]
    extractor = corpus_extractor({HOA_BINH.text: hoa_binh, HOA_BINH_AGAIN.text: hoa_binh_again, HA_NOI.text: ha_noi,
                                  HAU_GIANG.text: hau_giang})
    store.ingest(db, docs, extractor=extractor, kind_of=kind_of, version="test", report=lambda _: None)
    csv, page = tmp_path / "compare.csv", tmp_path / "report.html"
    assert main(["compare", "--db", str(db), "-o", str(csv)]) == 0
    assert main(["report", "--db", str(db), "-o", str(page)]) == 0

    table, report, notebook = from_csv(csv), from_report(page), from_notebook(db, monkeypatch)

    assert table == report == notebook
    assert table[("Hòa Bình", "province", "establishments_at_risk", "2019", "achieved", "count", "establishment")] == 941.0  # the total, not a part
    assert table[("Hà Nội", "province", "establishments_at_risk", "2010", "achieved", "count", "establishment")] == 2589.0  # 941 + 1.632 + 16
    assert table[("Quảng Nam", "province", "training_courses", "2023", "achieved", "count", "session")] == 9.0  # 8 and 9 disagree: the larger
    assert table[("Quảng Nam", "province", "communes_with_propaganda", "2023", "achieved", "percent", "share")] == 75.0  # 180/240
    # One metric, two kinds counted: two headlines, never the people over the cases.
    assert table[("Hậu Giang", "province", "criminal_cases", "2022", "achieved", "count", "case")] == 7.0
    assert table[("Hậu Giang", "province", "criminal_cases", "2022", "achieved", "count", "person")] == 23.0
