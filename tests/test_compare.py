"""Cross-province comparison: comparable units, conflicts, targets against results, the 2025 roll-up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dataset_fixtures import (
    DA_NANG_REPORT,
    QUANG_NAM_NEWS,
    QUANG_NAM_PLAN,
    QUANG_NAM_REPORT,
    corpus_extractor,
    corpus_figures,
    da_nang_report,
    kind_of,
    make_figure,
    quang_nam_report,
)
from solieu.pipeline import store
from solieu.pipeline.cli import main
from solieu.pipeline.compare import compare, meets
from solieu.pipeline.records import Document, Figure
from solieu.pipeline.write import atomic_output, dump_record


def frame(figures: list[Figure]) -> pd.DataFrame:
    return store.normalise_frame(pd.DataFrame([f.to_record() for f in figures]))


def row(table: pd.DataFrame, **keys: str) -> pd.Series:
    match = table
    for name, value in keys.items():
        match = match[match[name] == value]
    assert len(match) == 1, f"{keys}: {len(match)} rows"
    return match.iloc[0]


def test_a_ratio_becomes_a_percent_and_a_count_stays_a_count():
    table = compare(frame(corpus_figures()))

    communes = row(table, province="Quảng Nam", metric="communes_with_propaganda", status="achieved")
    trained = row(table, province="Quảng Nam", metric="people_trained")

    assert (communes["unit"], communes["value"], communes["values"]) == ("percent", 75.0, "75")
    assert communes["sources"] == "https://baoquangnam.vn/ket-qua-2023: 180/240"
    assert (trained["unit"], trained["value"], trained["values"], trained["qualifier"]) == (
        "count", 400.0, "> 400", "more_than")


def test_a_rate_is_compared_only_with_rates_of_the_same_period():
    doc = Document("rate", "tin/000.txt", "Đài phát thanh huyện phát 4 tin/ tháng về phòng, chống mại dâm.\n"
                   "Năm 2020 phát 50 tin về phòng, chống mại dâm.")
    where = {"province": "Ninh Thuận", "period": "2020"}
    figures = [make_figure(doc, "4 tin/ tháng", 4.0, "propaganda_events", per="month", **where),
               make_figure(doc, "50", 50.0, "propaganda_events", **where)]

    units = set(compare(frame(figures))["unit"])

    assert units == {"count", "count per month"}


def test_two_documents_that_disagree_both_stay_flagged_as_a_conflict():
    table = compare(frame(corpus_figures()))

    courses = row(table, province="Quảng Nam", metric="training_courses", status="achieved")

    assert bool(courses["conflict"]) is True
    assert courses["values"] == "8; 9"
    assert (courses["value"], courses["rule"]) == (9.0, "largest")  # never averaged: one of them, flagged
    nine, eight = QUANG_NAM_NEWS.text.index("9 lớp"), QUANG_NAM_REPORT.text.index("8 lớp")
    assert courses["headline_figures"] == f"qnam-news-2023:{nine}-{nine + 1}"
    assert courses["figures"] == f"qnam-news-2023:{nine}-{nine + 1}; qnam-report-2023:{eight}-{eight + 1}"
    assert (courses["evidence"], courses["documents"]) == (2, 2)
    assert courses["sources"] == "https://baoquangnam.vn/ket-qua-2023: 8 | https://example.vn/tin/quang-nam: 9"


def test_two_documents_that_agree_are_one_value_with_two_pieces_of_evidence():
    again = Document("qnam-repost", "https://example.vn/dang-lai", "Tỉnh Quảng Nam tổ chức 8 lớp tập huấn năm 2023.")
    repost = make_figure(again, "8", 8.0, "training_courses", province="Quảng Nam", period="2023")
    table = compare(frame(quang_nam_report(QUANG_NAM_REPORT) + [repost]))

    courses = row(table, province="Quảng Nam", metric="training_courses")

    assert (bool(courses["conflict"]), courses["value"], courses["evidence"], courses["documents"]) == (
        False, 8.0, 2, 2)


def test_several_values_in_one_document_are_items_not_a_conflict():
    doc = Document("qn-items", "qn.txt", "Tổ chức 04 lớp tập huấn và 06 lớp bồi dưỡng nghiệp vụ năm 2019.")
    where = {"province": "Quảng Ninh", "period": "2019"}
    figures = [make_figure(doc, "04", 4.0, "training_courses", **where),
               make_figure(doc, "06", 6.0, "training_courses", **where)]

    courses = row(compare(frame(figures)), metric="training_courses")

    assert (bool(courses["conflict"]), courses["values"]) == (False, "4; 6")


def test_a_target_says_whether_the_result_of_the_same_metric_and_unit_met_it():
    table = compare(frame(corpus_figures()))

    communes = row(table, province="Quảng Nam", metric="communes_with_propaganda", status="target")
    courses = row(table, province="Quảng Nam", metric="training_courses", status="target")

    assert (communes["values"], communes["result"], communes["target_result"]) == ("> 70", "75", "met")
    assert (courses["values"], courses["result"], courses["target_result"]) == ("10", "9", "not met")
    assert table[table["status"] == "achieved"]["target_result"].isna().all()


def test_a_target_with_a_result_only_in_another_unit_is_not_comparable():
    plan = Document("sl-plan", "sl.txt", "Phấn đấu 100% cán bộ được tập huấn về phòng, chống mại dâm.")
    report = Document("sl-report", "sl-kq.txt", "Đã tập huấn cho 350 cán bộ.")
    where = {"province": "Sơn La", "period": "2019"}
    figures = [make_figure(plan, "100%", 100.0, "people_trained", unit="percent", status="target", **where),
               make_figure(report, "350", 350.0, "people_trained", **where)]

    trained = row(compare(frame(figures)), status="target")

    assert (trained["result"], trained["target_result"]) == (None, "not comparable")


def test_a_target_without_any_result_says_no_result_yet():
    plan = Document("sl-plan", "sl.txt", "Phấn đấu 100% cán bộ được tập huấn về phòng, chống mại dâm.")
    figure = make_figure(plan, "100%", 100.0, "people_trained", unit="percent", status="target",
                         province="Sơn La", period="2019")

    trained = row(compare(frame([figure])), status="target")

    assert (trained["result"], trained["target_result"]) == (None, "no result yet")


def test_a_total_and_its_parts_by_kind_give_the_total_as_headline_and_keep_the_parts():
    doc = Document("hb", "https://baohoabinh.com.vn/ho-so",
                   "Toàn tỉnh có 941 cơ sở kinh doanh dịch vụ dễ phát sinh tệ nạn mại dâm, "
                   "trong đó 908 nhà nghỉ, khách sạn, 16 karaoke và 17 cơ sở massage.")
    where = {"province": "Hòa Bình", "period": "2019"}
    figures = [make_figure(doc, span, value, "establishments_at_risk", **where)
               for span, value in (("941", 941.0), ("908", 908.0), ("16", 16.0), ("17", 17.0))]

    at_risk = row(compare(frame(figures)), metric="establishments_at_risk")

    assert (at_risk["value"], at_risk["headline_text"], at_risk["rule"]) == (941.0, "941", "total of its parts")
    refs = [f"hb:{f.start}-{f.end}" for f in figures]
    assert at_risk["headline_figures"] == refs[0]
    assert at_risk["figures"].split("; ") == refs  # the headline, then its parts in text order
    assert bool(at_risk["conflict"]) is False  # parts of one document are not a disagreement


def test_a_total_of_parts_is_chosen_over_a_larger_count_of_something_broader():
    doc = Document("hn-2010", "https://hethongphapluat.vn/ke-hoach-89",
                   "Tính đến 31/12/2010, trên địa bàn thành phố có 30.688 cơ sở kinh doanh dịch vụ có điều kiện; "
                   "trong đó, có 24.974 cơ sở kinh doanh dịch vụ dễ bị lợi dụng để hoạt động mại dâm (bao gồm: "
                   "941 khách sạn, 1.632 nhà nghỉ, 16 vũ trường, 908 cơ sở karaoke, 755 cơ sở xoa bóp, 126 quán tẩm "
                   "quất, 268 quán cà phê đèn mờ, 101 cơ sở tắm khoáng nóng, 20.236 nhà trọ bình dân).")
    where = {"province": "Hà Nội", "period": "2010"}
    spans = ("30.688", "24.974", "941", "1.632", "16", "908", "755", "126", "268", "101", "20.236")
    figures = [make_figure(doc, span, float(span.replace(".", "")), "establishments_at_risk", **where)
               for span in spans]

    at_risk = row(compare(frame(figures)), metric="establishments_at_risk")

    # 941 + 1.632 + ... + 20.236 = 24.983: within 1% of 24.974, which is the count of this metric;
    # 30.688 counts every business with conditions, a broader thing, and stays as a figure of the row.
    assert (at_risk["value"], at_risk["rule"]) == (24974.0, "total of its parts")
    assert "30688" in at_risk["values"].replace("\u202f", "")


def test_items_that_do_not_add_up_to_a_figure_leave_the_largest_as_headline():
    doc = Document("qn-items", "qn.txt", "Tổ chức 04 lớp tập huấn, 06 lớp bồi dưỡng và 02 lớp cho tình nguyện viên năm 2019.")
    where = {"province": "Quảng Ninh", "period": "2019"}
    figures = [make_figure(doc, n, float(n), "training_courses", **where) for n in ("04", "06", "02")]

    courses = row(compare(frame(figures)), metric="training_courses")

    assert (courses["value"], courses["rule"]) == (6.0, "largest")  # 6 ≠ 2 and 4 + 6 + 2 is not written: no sum


def test_a_total_is_found_only_where_its_parts_reach_it_before_passing_it():
    """The running sum of the figures after a total stops once it passes the total: 10 then 6 + 5 is no total."""
    doc = Document("parts", "parts.txt", "Có 10 cơ sở: 6 nhà nghỉ, 5 karaoke.\nCó 12 cơ sở: 5 nhà nghỉ, 7 karaoke, 3 quán.")
    where = {"province": "Hòa Bình", "period": "2019"}
    first = [make_figure(doc, n, float(n), "establishments_at_risk", within=f"{n} {w}", **where)
             for n, w in (("10", "cơ sở"), ("6", "nhà nghỉ"), ("5", "karaoke"))]
    second = [make_figure(doc, n, float(n), "establishments_at_risk", within=f"{n} {w}", **where)
              for n, w in (("12", "cơ sở"), ("5", "nhà nghỉ, 7"), ("7", "karaoke, 3"), ("3", "quán"))]

    alone = row(compare(frame(first)), metric="establishments_at_risk")
    both = row(compare(frame(first + second)), metric="establishments_at_risk")

    assert (alone["value"], alone["rule"]) == (10.0, "largest")  # 6 + 5 = 11 passes 10 and stops
    assert (both["value"], both["rule"]) == (12.0, "total of its parts")  # 5 + 7 = 12 reaches it


def test_the_headline_does_not_depend_on_the_order_of_the_figures():
    figures = corpus_figures()
    table = compare(frame(figures))

    shuffled = compare(frame(figures[::-1]))

    columns = ["province", "metric", "period", "status", "unit", "value", "rule", "headline_figures", "conflict",
               "evidence", "documents", "target_result"]
    assert shuffled[columns].equals(table[columns])


def test_every_figure_is_in_exactly_one_row_its_headline_first():
    figures = corpus_figures()
    table = compare(frame(figures))

    listed = [ref for cell in table["figures"] for ref in cell.split("; ")]

    assert sorted(listed) == sorted(f"{f.doc_id}:{f.start}-{f.end}" for f in figures)
    assert all(cell.startswith(head) for cell, head in zip(table["figures"], table["headline_figures"]))
    assert table["evidence"].sum() == len(figures)


def test_a_merged_unit_does_not_add_up_shares_of_different_provinces():
    plan = Document("shares", "shares.txt", "Quảng Nam đạt 80% và Đà Nẵng đạt 90% số xã tổ chức tuyên truyền.")
    where = {"metric": "communes_with_propaganda", "unit": "percent", "period": "2023"}
    figures = [make_figure(plan, "80%", 80.0, province="Quảng Nam", province_2025="Đà Nẵng", **where),
               make_figure(plan, "90%", 90.0, province="Đà Nẵng", province_2025="Đà Nẵng", **where)]

    shares = row(compare(frame(figures), merged=True), metric="communes_with_propaganda")

    assert pd.isna(shares["value"]) and shares["rule"] == "not additive"
    assert shares["values"] == "80 (Quảng Nam); 90"

@pytest.mark.parametrize(
    ("target", "target_qualifier", "result", "result_qualifier", "met"),
    [
        (70, "more_than", 75, "exact", True),    # Phấn đấu trên 70% … đạt 75%
        (70, "more_than", 70, "exact", False),   # trên 70% is not reached by 70%
        (70, "more_than", 70, "more_than", True),
        (25, "at_least", 25, "exact", True),     # ít nhất 25% … đạt 25%
        (10, "exact", 8, "exact", False),
        (5, "at_most", 5, "exact", True),        # không quá 5 điểm
        (5, "less_than", 5, "exact", False),     # dưới 5 điểm
        (5, "less_than", 3, "exact", True),
    ],
)
def test_meets_reads_both_qualifiers(target, target_qualifier, result, result_qualifier, met):
    assert meets(target, target_qualifier, result, result_qualifier) is met


def test_status_keeps_only_targets_but_still_judges_them():
    table = compare(frame(corpus_figures()), status="target")

    assert set(table["status"]) == {"target"}
    assert set(table["target_result"]) == {"met", "not met"}


def test_merged_rolls_provinces_up_into_their_2025_unit_and_adds_counts():
    figures = quang_nam_report(QUANG_NAM_REPORT) + da_nang_report(DA_NANG_REPORT)
    table = compare(frame(figures), merged=True)

    courses = row(table, province="Đà Nẵng", metric="training_courses")

    assert set(table["province"]) == {"Đà Nẵng"}
    assert courses["former_provinces"] == "Quảng Nam; Đà Nẵng"
    assert (bool(courses["conflict"]), courses["value"], courses["values"]) == (False, 14.0, "8 (Quảng Nam); 6")
    assert courses["rule"] == "sum of former provinces"


def test_merged_keeps_a_conflict_inside_a_former_province_and_judges_targets_by_their_own_province():
    table = compare(frame(corpus_figures()), merged=True)

    achieved = row(table, metric="training_courses", status="achieved")
    target = row(table, metric="training_courses", status="target")

    assert bool(achieved["conflict"]) is True
    assert (achieved["value"], achieved["rule"]) == (15.0, "sum of former provinces")  # 9 (Quảng Nam) + 6
    assert target["target_result"] == "not met"  # Quảng Nam's 10 against Quảng Nam's 9, not Đà Nẵng's 6 or 15
    assert target["result"] == "9"


def test_merged_maps_a_province_through_the_province_table_when_the_record_lacks_its_2025_unit():
    doc = Document("nt", "nt.txt", "Tỉnh Ninh Thuận duy trì 4 tin/ tháng trên sóng phát thanh.")
    figure = make_figure(doc, "4 tin/ tháng", 4.0, "propaganda_events", per="month", province="Ninh Thuận")

    table = compare(frame([figure]), merged=True)

    assert list(table["province"]) == ["Khánh Hòa"]


def test_by_rejects_an_unknown_key():
    with pytest.raises(ValueError, match="--by takes a comma list"):
        compare(frame(corpus_figures()), by="province,colour")


def test_the_command_reads_a_store_or_a_figures_file_and_writes_the_table(tmp_path: Path, capsys):
    db = tmp_path / "solieu.duckdb"
    docs = [QUANG_NAM_PLAN, QUANG_NAM_REPORT, QUANG_NAM_NEWS, DA_NANG_REPORT]
    store.ingest(db, docs, extractor=corpus_extractor(), kind_of=kind_of, version="test")
    figures_file = tmp_path / "figures.jsonl"
    with atomic_output(figures_file) as out:
        for figure in corpus_figures():
            out.write(dump_record(figure.to_record()))

    from_store = tmp_path / "from-store.csv"
    from_file = tmp_path / "from-file.csv"
    assert main(["compare", "--db", str(db), "--by", "province,metric,period", "-o", str(from_store)]) == 0
    assert main(["compare", str(figures_file), "--merged", "-o", str(from_file)]) == 0

    table = pd.read_csv(from_store)
    assert list(table.columns[:7]) == ["province", "metric", "period", "scope", "status", "unit", "counted_kind"]
    assert len(table) == 6 and table["conflict"].sum() == 1
    assert set(pd.read_csv(from_file)["province"]) == {"Đà Nẵng"}
    assert "6 rows, 1 with conflicting sources" in capsys.readouterr().err


def test_the_command_names_a_missing_store(tmp_path: Path, capsys):
    assert main(["compare", "--db", str(tmp_path / "none.duckdb"), "-o", str(tmp_path / "t.csv")]) == 2
    assert "none.duckdb: no such store" in capsys.readouterr().err
    assert not (tmp_path / "t.csv").exists()


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(tmp_path: Path):
    """OWASP CSV injection: a sentence starting with `=` reaches the CSV guarded by a leading `'`."""
    from solieu.pipeline.compare import write_table

    table = pd.DataFrame({"province": ["Đà Nẵng"], "evidence": ["=HYPERLINK(\"http://x\")"], "value": [-3.0]})
    output = tmp_path / "compare.csv"
    write_table(table, output)
    written = pd.read_csv(output)
    assert written.loc[0, "evidence"] == "'=HYPERLINK(\"http://x\")"
    assert written.loc[0, "value"] == -3.0  # a negative number is a number, not a formula


# --- like for like (issue 19) ------------------------------------------------------------


def test_cases_and_people_of_one_metric_are_two_cells_each_saying_what_it_counts():
    doc = Document("hg-2022", "hg.txt", "Năm 2022, Công an tỉnh Hậu Giang khởi tố 7 vụ án, 23 bị can về tội chứa mại dâm.")
    where = {"province": "Hậu Giang", "period": "2022"}
    figures = [make_figure(doc, "7", 7.0, "criminal_cases", counted="vụ án", **where),
               make_figure(doc, "23", 23.0, "criminal_cases", counted="bị can", **where)]

    table = compare(frame(figures))

    assert sorted(zip(table["counted_kind"], table["value"])) == [("case", 7.0), ("person", 23.0)]


def plan_and_result(plan_text: str, result_text: str, plan: dict, result: dict,
                    province: str = "Bến Tre") -> pd.Series:
    """The target row of a plan judged against a result reported in another document."""
    plan_doc, result_doc = Document("plan", "plan.txt", plan_text), Document("news", "news.txt", result_text)
    figures = [make_figure(plan_doc, status="target", province=province, **plan),
               make_figure(result_doc, status="achieved", province=province, **result)]
    return row(compare(frame(figures)), status="target")


def test_a_target_is_met_by_a_result_of_the_same_kind_from_another_sentence():
    target = plan_and_result("Năm 2024 tổ chức 10 lớp tập huấn.", "Năm 2024 đã tổ chức 12 lớp tập huấn.",
                             {"span": "10", "value": 10.0, "metric": "training_courses", "period": "2024"},
                             {"span": "12", "value": 12.0, "metric": "training_courses", "period": "2024"})

    assert (target["target_result"], target["result"], target["verdict_reason"]) == ("met", "12", None)


def test_a_sentence_read_twice_is_never_its_own_result():
    quoted = "Phấn đấu năm 2024 tổ chức 10 lớp tập huấn."
    target = plan_and_result(quoted, "Theo kế hoạch: " + quoted,
                             {"span": "10", "value": 10.0, "metric": "training_courses", "period": "2024"},
                             {"span": "10", "value": 10.0, "metric": "training_courses", "period": "2024"})

    assert (target["target_result"], target["verdict_reason"]) == ("not comparable", "same sentence")


def test_a_part_is_not_judged_as_the_whole():
    target = plan_and_result("Năm 2024 kiểm tra 40 cơ sở kinh doanh.",
                             "Năm 2024 phát hiện nhiều sai phạm, trong đó 12 cơ sở kinh doanh bị xử phạt.",
                             {"span": "40", "value": 40.0, "metric": "establishments_inspected", "period": "2024"},
                             {"span": "12", "value": 12.0, "metric": "establishments_inspected", "period": "2024"})

    assert (target["target_result"], target["verdict_reason"]) == ("not comparable", "result is a part")


def test_a_result_of_one_district_does_not_judge_the_province():
    target = plan_and_result("Năm 2024 tổ chức 10 lớp tập huấn.", "Huyện Ba Tri năm 2024 mở 3 lớp tập huấn.",
                             {"span": "10", "value": 10.0, "metric": "training_courses", "period": "2024"},
                             {"span": "3", "value": 3.0, "metric": "training_courses", "period": "2024",
                              "locality": "Ba Tri"})

    assert (target["target_result"], target["verdict_reason"]) == ("not comparable", "result is of one locality")


def test_a_target_counting_courses_is_not_met_by_people():
    target = plan_and_result("Năm 2024 tổ chức 10 lớp tập huấn.", "Năm 2024 tập huấn cho 1.250 người.",
                             {"span": "10", "value": 10.0, "metric": "training_courses", "period": "2024"},
                             {"span": "1.250", "value": 1250.0, "metric": "training_courses", "period": "2024"})

    assert (target["target_result"], target["verdict_reason"]) == (
        "not comparable", "result counts another kind or unit")


def test_a_number_that_counts_nothing_meets_no_target():
    target = plan_and_result("Năm 2024 tổ chức 10 lớp tập huấn.", "Năm 2024 phòng chống cúm H7N9 tốt.",
                             {"span": "10", "value": 10.0, "metric": "training_courses", "period": "2024"},
                             {"span": "7", "value": 7.0, "metric": "training_courses", "period": "2024"})

    assert (target["target_result"], target["result"]) == ("not comparable", None)  # `7` counts no course


def test_a_share_for_a_span_is_judged_by_its_last_year_and_a_count_is_not():
    share = plan_and_result("Giai đoạn 2021-2025, 90% xã có mô hình.", "Năm 2025 có 85% xã có mô hình.",
                            {"span": "90%", "value": 90.0, "unit": "percent", "metric": "support_models",
                             "period": "2021-2025"},
                            {"span": "85%", "value": 85.0, "unit": "percent", "metric": "support_models",
                             "period": "2025"})
    count = plan_and_result("Giai đoạn 2021-2025 tổ chức 50 lớp tập huấn.", "Năm 2025 tổ chức 12 lớp tập huấn.",
                            {"span": "50", "value": 50.0, "metric": "training_courses", "period": "2021-2025"},
                            {"span": "12", "value": 12.0, "metric": "training_courses", "period": "2025"})

    assert (share["target_result"], share["result_period"]) == ("not met", "2025")
    assert (count["target_result"], count["verdict_reason"], count["result"]) == (
        "not comparable", "one year of a span", "12")


def test_a_figure_without_a_province_is_national_only_when_its_sentence_says_so():
    doc = Document("nat", "nat.txt", "Cả nước có 11.000 người bán dâm.\nTỉnh đã xử lý 14 cơ sở vi phạm.")
    figures = [make_figure(doc, "11.000", 11000.0, "sex_workers_recorded", period="2023"),
               make_figure(doc, "14", 14.0, "violations_sanctioned", period="2023")]

    table = compare(frame(figures))

    assert dict(zip(table["metric"], table["scope"])) == {"sex_workers_recorded": "national",
                                                          "violations_sanctioned": "unknown"}


def test_one_absurd_value_is_flagged_and_the_others_are_not():
    provinces = ["An Giang", "Bạc Liêu", "Cà Mau", "Hà Nam", "Lào Cai", "Nam Định"]
    counts = [120.0, 340.0, 95.0, 210.0, 60.0, 4_500_000.0]  # the last: a broker's fee read as establishments
    figures = []
    for province, value in zip(provinces, counts):
        doc = Document(province, f"{province}.txt", f"Năm 2022 có {value:.0f} cơ sở kinh doanh dịch vụ.")
        figures.append(make_figure(doc, f"{value:.0f}", value, "establishments_at_risk", province=province,
                                   period="2022"))

    table = compare(frame(figures))

    assert table.loc[table["outlier"], "province"].tolist() == ["Nam Định"]


@pytest.mark.parametrize(("unit", "counted", "kind"), [
    ("count", "vụ án", "case"),
    ("count", "đường dây", "ring"),
    ("count", "tụ điểm", "hotspot"),
    ("count", "đối tượng môi giới", "person"),
    ("count", "cơ sở vi phạm", "establishment"),
    ("count", "xã, phường, thị trấn", "place"),
    ("count", "lớp tập huấn", "session"),
    ("count", "tờ rơi", "item"),
    ("count per month", "tin", "item"),
    ("percent", "xã", "share"),
    ("vnd", "tiền phạt", "money"),
    ("count", "bánh", "other"),
    ("count", None, "unknown"),
])
def test_the_counted_noun_says_what_kind_of_thing_a_figure_counts(unit: str, counted: str | None, kind: str):
    from solieu.pipeline.kinds import counted_kind

    assert counted_kind(unit, counted) == kind


@pytest.mark.parametrize(("period", "year", "covered"), [
    ("2016-2020", 2018, True), ("2016-2020", 2021, False), ("2021-", 2030, True), ("2023", 2023, True), (None, 2023, False),
])
def test_a_year_is_covered_by_the_spans_around_it(period: str | None, year: int, covered: bool):
    from solieu.pipeline.kinds import parse_period

    assert parse_period(period).covers(year) is covered
