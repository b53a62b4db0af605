"""The HTML report: self-contained, every figure in its sentence, article text never markup, Vietnamese first.

These tests read the page's source and its data block; tests/test_report_browser.py
opens it in headless Chromium and clicks through it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dataset_fixtures import CORPUS, QUANG_NAM_REPORT, corpus_extractor, corpus_figures, kind_of, make_figure
from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.display import format_number, vi_sorted
from solieu.pipeline.records import Document
from solieu.pipeline.report import locate_in_sentences, render_report, shown_value
from solieu.pipeline.write import atomic_output, dump_record

INJECTED = Document(
    doc_id="injected",
    source="javascript:alert(1)",
    title='Tin giả</title><script>document.body.setAttribute("data-pwned", "title")</script>',
    published="2023-11-02",
    text=(
        'Bài viết <script>document.body.setAttribute("data-pwned", "text")</script> '
        "cho biết tỉnh Sơn La tổ chức 12 buổi tuyên truyền <img src=x onerror=\"document.body"
        ".setAttribute('data-pwned', 'img')\"> về phòng, chống mại dâm."
    ),
)


def injected(doc: Document):
    return [make_figure(doc, "12", 12.0, "propaganda_events", within="12 buổi", province="Sơn La",
                        period="2023", counted='buổi tuyên truyền <img src=x onerror="alert(1)">',
                        locality="<b>Mộc Châu</b>")]


def build_store(folder: Path) -> Path:
    """The test corpus plus an article that tries to inject script, one of them from a local file."""
    local_source = folder / "sources" / "da-nang-2023.txt"
    local_source.parent.mkdir(parents=True, exist_ok=True)
    docs = list(CORPUS) + [INJECTED]
    docs[-2] = Document(**{**docs[-2].__dict__, "source": str(local_source)})
    local_source.write_text(docs[-2].text, encoding="utf-8")
    db = folder / "solieu.duckdb"
    extractor = corpus_extractor({INJECTED.text: injected})
    store.ingest(db, docs, extractor=extractor, kind_of=kind_of, version="test", report=lambda _: None)
    return db


def page_data(page: str) -> dict[str, Any]:
    """The JSON block the page is drawn from."""
    block = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def cells_by_span(data: dict[str, Any]) -> list[tuple]:
    """Cells with their figures named by sentence, span and value, whatever order the figures came in."""
    def span(f: int) -> tuple:
        figure = data["figures"][f]
        return (data["sentences"][figure[1]], figure[2], figure[3], figure[4])

    return [(*cell[:10], [span(f) for f in cell[10]], *cell[11:]) for cell in data["cells"]]


def marked(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each figure as (before, number, after) in its sentence, as the page marks it."""
    out = []
    for figure in data["figures"]:
        sentence, start, end = data["sentences"][figure[1]], figure[2], figure[3]
        out.append((sentence[:start], sentence[start:end], sentence[end:]))
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    output = folder / "out" / "report.html"
    assert main(["report", "--db", str(build_store(folder)), "-o", str(output)]) == 0
    return output


def test_the_report_loads_nothing_from_outside(report: Path):
    page = report.read_text(encoding="utf-8")
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1", page, flags=re.S)  # script bodies are code

    tags = re.findall(r"<(?:script|link|img|iframe|object|embed|source|audio|video)\b[^>]*>", markup, re.I)
    css = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))

    assert tags and all(not re.search(r"\b(?:src|href)\s*=", tag, re.I) for tag in tags)
    assert not re.search(r"@import|@font-face|url\(", css)
    assert "default-src 'none'" in page  # and the browser is told to refuse any that slipped in


def test_every_figure_is_shown_in_its_sentence_with_the_number_marked(report: Path):
    data = page_data(report.read_text(encoding="utf-8"))

    pieces = marked(data)

    assert sorted(number for _, number, _ in pieces) == sorted(["trên 70%", "10", "180/240", "8", "hơn 400", "9", "6", "12"])
    assert ("Năm 2023, ", "180/240", " xã, phường, thị trấn của tỉnh Quảng Nam tổ chức tuyên truyền về phòng, chống mại dâm."
            ) in pieces


def test_cue_words_beside_the_number_are_marked_by_their_kind(report: Path):
    data = page_data(report.read_text(encoding="utf-8"))

    sentence = next(i for i, s in enumerate(data["sentences"]) if s.startswith("Năm 2023, 180/240"))

    assert [0, len("Năm 2023"), "period"] in data["cues"][sentence]


def test_every_cell_links_to_its_figures_and_every_figure_back_to_its_cell(report: Path):
    data = page_data(report.read_text(encoding="utf-8"))
    figures_of = {i: cell[10] for i, cell in enumerate(data["cells"])}

    assert all(figures_of.values())
    assert all(data["figures"][f][10] == cell for cell, members in figures_of.items() for f in members)
    assert sorted(f for members in figures_of.values() for f in members) == list(range(len(data["figures"])))


def test_only_web_sources_become_links(report: Path):
    page = report.read_text(encoding="utf-8")
    documents = page_data(page)["documents"]

    links = {source: href for _, source, href, _, _ in documents}

    assert links["https://baoquangnam.vn/ket-qua-2023"] == "https://baoquangnam.vn/ket-qua-2023"
    assert links["javascript:alert(1)"] is None
    assert all(href is None for source, href in links.items() if not source.startswith("https://"))
    assert "javascript:" not in str(re.findall(r'href="([^"]*)"', page))


def test_article_text_is_data_in_the_page_source_never_markup(report: Path):
    page = report.read_text(encoding="utf-8")
    data = page_data(page)

    assert "<script>document.body" not in page and "</title><script>" not in page
    assert "<img src=x" not in page and "<b>Mộc Châu</b>" not in page
    assert '\\u003cscript\\u003edocument.body.setAttribute(\\"data-pwned\\", \\"text\\")' in page
    assert any('<script>document.body.setAttribute("data-pwned", "text")</script>' in s for s in data["sentences"])


def test_the_page_is_in_vietnamese_by_default_and_in_english_on_request(tmp_path: Path):
    db = build_store(tmp_path)

    vietnamese = render_report(db)
    english = render_report(db, lang="en")

    assert '<html lang="vi">' in vietnamese and "<h1>Số liệu phòng, chống mại dâm theo tỉnh</h1>" in vietnamese
    assert {m["name"] for m in page_data(vietnamese)["metrics"]} >= {"Lớp tập huấn, bồi dưỡng", "Xã, phường tổ chức tuyên truyền"}
    assert '<html lang="en">' in english and "Training courses" in {m["name"] for m in page_data(english)["metrics"]}


def test_provinces_are_in_vietnamese_alphabetical_order():
    names = ["Bình Định", "Bắc Ninh", "Đà Nẵng", "Cà Mau", "TP. Hồ Chí Minh", "Hà Nội", "Bình Dương", "An Giang", "Yên Bái"]

    assert vi_sorted(names) == ["An Giang", "Bắc Ninh", "Bình Dương", "Bình Định", "Cà Mau", "Đà Nẵng",
                                "Hà Nội", "TP. Hồ Chí Minh", "Yên Bái"]


def test_the_page_lists_provinces_in_vietnamese_order_then_national_then_unplaced_figures(tmp_path: Path):
    doc = Document("vn", "https://example.vn/tin", "Bắc Ninh 5 lớp, Bình Định 6 lớp, Đà Nẵng 7 lớp, cả nước 8 lớp.\n"
                   "Tỉnh bạn mở 9 lớp.")
    figures = [make_figure(doc, n, float(n), "training_courses", within=f"{n} lớp", province=p, period="2020")
               for n, p in (("5", "Bắc Ninh"), ("6", "Bình Định"), ("7", "Đà Nẵng"), ("8", None), ("9", None))]
    source = tmp_path / "figures.jsonl"
    with atomic_output(source) as out:
        for figure in figures:
            out.write(dump_record(figure.to_record()))

    provinces = page_data(render_report(source))["provinces"]

    assert provinces == ["Bắc Ninh", "Bình Định", "Đà Nẵng", "Toàn quốc", "Chưa rõ tỉnh"]


@pytest.mark.parametrize(
    ("value", "high", "qualifier", "unit", "per", "denominator", "vietnamese", "english"),
    [
        (1000.0, None, "exact", "count", None, None, "1.000", "1,000"),
        (135_800_000.0, None, "exact", "vnd", None, None, "135,8 triệu đồng", "135.8 million VND"),
        (70.0, None, "more_than", "percent", None, None, "trên 70%", "over 70%"),
        (180.0, None, "exact", "ratio", None, 240.0, "180/240", "180/240"),
        (4.0, None, "exact", "count", "month", None, "4/tháng", "4/month"),
        (5.0, 7.0, "about", "count", None, None, "khoảng 5–7", "about 5–7"),
        (26_000.0, None, "more_than", "count", None, None, "trên 26.000", "over 26,000"),
    ],
)
def test_numbers_are_written_as_a_reader_of_the_language_writes_them(
        value, high, qualifier, unit, per, denominator, vietnamese, english):
    assert shown_value(value, high, qualifier, unit, per, "vi", denominator) == vietnamese
    assert shown_value(value, high, qualifier, unit, per, "en", denominator) == english


def test_decimals_use_a_comma_in_vietnamese():
    assert (format_number(135.8), format_number(91.0909), format_number(0.25), format_number(1_234_567)) == (
        "135,8", "91,1", "0,3", "1.234.567")


def test_a_figures_file_gives_the_same_cells_and_spans_as_the_store(report: Path, tmp_path: Path):
    source = tmp_path / "figures.jsonl"
    with atomic_output(source) as out:
        for figure in corpus_figures() + injected(INJECTED):
            out.write(dump_record(figure.to_record()))
    output = tmp_path / "from-file.html"

    assert main(["report", str(source), "-o", str(output)]) == 0

    from_file, from_store = page_data(output.read_text(encoding="utf-8")), page_data(report.read_text(encoding="utf-8"))
    assert cells_by_span(from_file) == cells_by_span(from_store)
    assert sorted(n for _, n, _ in marked(from_file)) == sorted(n for _, n, _ in marked(from_store))


def test_the_page_reads_each_figure_as_the_comparison_sees_it(tmp_path: Path):
    """The page's figure records are the comparable figures' own values, types included, without the other columns."""
    from solieu.pipeline.compare import comparable
    from solieu.pipeline.report import RECORD_FIELDS, figure_records

    figures = store.load_figures(build_store(tmp_path))

    records = figure_records(figures)

    expected = [{k: v for k, v in r.items() if k in (*RECORD_FIELDS, "cmp_value", "cmp_high", "cmp_unit")}
                for r in comparable(figures).to_dict(orient="records")]
    assert [sorted(r) for r in records] == [sorted(r) for r in expected]
    assert [{k: (type(v), None if v != v else v) for k, v in r.items()} for r in records] == [
        {k: (type(v), None if v != v else v) for k, v in r.items()} for r in expected]  # NaN equal to NaN


def test_a_number_written_twice_in_its_sentence_is_marked_where_it_was_found():
    doc = Document("twice", "t.txt", "Mở đầu.\nTổ chức 8 buổi tuyên truyền và 8 lớp tập huấn, 8 lớp nữa năm 2020.")
    events = make_figure(doc, "8", 8.0, "propaganda_events", within="8 buổi")
    courses = make_figure(doc, "8", 8.0, "training_courses", within="8 lớp tập")
    records = [(i, {**f.to_record(), "sentence": doc.text.split("\n")[1]}) for i, f in enumerate([courses, events])]

    spots = locate_in_sentences(records)

    assert [spots[i].sentence[spots[i].start:spots[i].end] for i in (0, 1)] == ["8", "8"]
    assert spots[0].sentence[:spots[0].start].endswith("tuyên truyền và ")  # not the first 8, not the last
    assert spots[1].sentence[:spots[1].start] == "Tổ chức "


def test_the_report_is_written_far_beyond_altairs_5000_rows(tmp_path: Path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.report_corpus import write_figures

    source = write_figures(tmp_path / "figures.jsonl", 20_000)

    data = page_data(render_report(source, cues=False))

    assert len(data["figures"]) == 20_000 and len(data["provinces"]) == 63
    assert sum(len(cell[10]) for cell in data["cells"]) == 20_000


def test_the_command_names_a_missing_store(tmp_path: Path, capsys):
    assert main(["report", "--db", str(tmp_path / "none.duckdb"), "-o", str(tmp_path / "r.html")]) == 2
    assert "none.duckdb: no such store" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_a_quang_nam_headline_is_the_compare_headline(report: Path):
    data = page_data(report.read_text(encoding="utf-8"))
    province = data["provinces"].index("Quảng Nam")
    metric = [m["code"] for m in data["metrics"]].index("training_courses")

    cell = next(c for c in data["cells"] if c[0] == province and c[1] == metric and c[3] == "achieved")

    assert (cell[5], cell[6], bool(cell[9])) == (9.0, "9", True)  # the larger of 8 and 9, flagged as a conflict
    assert [data["figures"][f][4] for f in cell[10]] == ["9", "8"]  # the headline first; the 8 stays in the cell
    assert data["documents"][data["figures"][cell[10][1]][0]][1] == QUANG_NAM_REPORT.source


def test_a_target_says_why_it_cannot_be_judged_and_shows_the_latest_comparable_result(tmp_path: Path):
    plan = Document("sl-plan", "sl.txt", "Phấn đấu 90% xã tổ chức tuyên truyền năm 2019.")
    report_2019 = Document("sl-2019", "sl-2019.txt", "Năm 2019 có 120 xã tổ chức tuyên truyền.")
    report_2018 = Document("sl-2018", "sl-2018.txt", "Năm 2018 có 85% xã tổ chức tuyên truyền.")
    where = {"province": "Sơn La", "metric": "communes_with_propaganda"}
    figures = [make_figure(plan, "90%", 90.0, unit="percent", status="target", period="2019", **where),
               make_figure(report_2019, "120", 120.0, period="2019", **where),
               make_figure(report_2018, "85%", 85.0, unit="percent", period="2018", **where)]
    source = tmp_path / "figures.jsonl"
    with atomic_output(source) as out:
        for figure in figures:
            out.write(dump_record(figure.to_record()))

    data = page_data(render_report(source))
    cells = data["cells"]
    target = next(c for c in cells if c[3] == "target")

    assert target[13] == "not_comparable" and target[14] is None  # 120 communes is no share: not set against it
    assert data["reasons"][target[18]] == "kết quả đếm thứ khác hoặc khác đơn vị"
    assert (cells[target[15]][2], cells[target[15]][6]) == ("2018", "85%")  # the latest result of another period


def test_every_metric_of_the_taxonomy_has_a_vietnamese_and_an_english_name():
    from solieu.pipeline.display import metric_table
    from solieu.pipeline.report import taxonomy_order

    names = metric_table()

    assert set(names) == set(taxonomy_order())
    assert all(entry["vi"] and entry["en"] and entry["vi_description"] and entry["en_description"]
               for entry in names.values())
    assert names["training_courses"]["vi"] == "Lớp tập huấn, bồi dưỡng"
