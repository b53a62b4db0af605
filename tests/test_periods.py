"""Periods: the year or years a figure refers to (corpora/figures.md, "Periods"; corpora/domains/mai-dam/gold/README.md)."""

from __future__ import annotations


import pytest

from solieu.extractors import periods, status
from solieu.pipeline.records import Document, Figure
from solieu.pipeline.segment import split_sentences
from gold_helpers import gold_documents, gold_figures

FILLER = "Các ngành, các cấp phối hợp chặt chẽ trong công tác phòng, chống mại dâm trên địa bàn. " * 5


def period_of(text: str, span: str, published: str | None = None, kind: str = "news",
              figure_status: str = "achieved", metric: str = "other") -> str | None:
    """The period given to a figure on the first occurrence of `span` in `text`."""
    start = text.index(span)
    sentences = split_sentences(text)
    sentence = next(s for s in sentences if s.start <= start < s.end)
    figure = Figure("t", "test.txt", start, start + len(span), span, sentence.text, 1.0, status=figure_status,
                    metric=metric, sentence_start=sentence.start, sentence_index=sentence.index)
    periods.attach([figure], Document("t", "test.txt", text, published=published), sentences, kind)
    return figure.period


@pytest.mark.parametrize(("text", "span", "published", "period"), [
    ("Trong năm 2019, tỉnh tổ chức 10 lớp tập huấn.", "10", None, "2019"),
    ("Năm 2019, đã tổ chức 4 lớp tập huấn cho giáo viên.", "4", None, "2019"),
    ("Giai đoạn 2016 - 2020, toàn tỉnh tổ chức 120 lớp tập huấn.", "120", None, "2016-2020"),
    ("Từ năm 2016 đến năm 2020, toàn tỉnh tổ chức 120 lớp tập huấn.", "120", None, "2016-2020"),
    ("6 tháng đầu năm 2019, tỉnh kiểm tra 45 cơ sở.", "45", None, "2019"),
    ("Từ năm 2016 đến nay, UBND tỉnh đã ban hành 7 văn bản.", "7", "2020-11-02", "2016-2020"),
    ("5 năm qua, tỉnh đã tổ chức 300 buổi tuyên truyền.", "300", "2020-12", "2016-2020"),
    ("Năm nay, tỉnh tổ chức 12 đợt kiểm tra.", "12", "2021-05-01", "2021"),
    ("Năm qua, tỉnh tổ chức 12 đợt kiểm tra.", "12", "2021-12-20", "2021"),
    ("Năm qua, tỉnh tổ chức 12 đợt kiểm tra.", "12", "2022-01-10", "2021"),
    ("5 năm qua, tỉnh đã tổ chức 300 buổi tuyên truyền.", "300", "2021-01-15", "2016-2020"),
    ("100% số xã đăng ký xây dựng xã lành mạnh năm 2019 và các năm tiếp theo.", "100%", None, "2019-"),
])
def test_a_period_stated_with_the_figure(text: str, span: str, published: str | None, period: str) -> None:
    assert period_of(text, span, published) == period


@pytest.mark.parametrize(("text", "span", "period"), [
    ("5 năm qua, tỉnh đã tổ chức 300 buổi tuyên truyền.", "300", None),
    ("Đến nay, 7/7 huyện đều có Đội công tác xã hội tình nguyện.", "7/7", None),
    ("Từ năm 2016 đến nay, UBND tỉnh đã ban hành 7 văn bản.", "7", "2016-"),
    ("Tỉnh tổ chức 10 lớp tập huấn.", "10", None),
    ("Những năm qua, tỉnh đã tổ chức 10 lớp tập huấn.", "10", None),
])
def test_nothing_to_anchor_a_relative_period(text: str, span: str, period: str | None) -> None:
    assert period_of(text, span) == period


def test_a_target_by_a_year_is_that_year() -> None:
    text = "Phấn đấu đến năm 2025, 90% xã, phường, thị trấn tổ chức tuyên truyền."
    assert period_of(text, "90%", "2021-03-02", figure_status="target") == "2025"


def test_a_period_is_scoped_to_its_clause() -> None:
    text = ("Tiếp tục duy trì 193/204 xã, phường, thị trấn lành mạnh; 100% số xã đăng ký xây dựng xã lành mạnh "
            "năm 2019 và các năm tiếp theo.")
    assert period_of(text, "193/204", "2019-06-27") == "2019"
    assert period_of(text, "100%", "2019-06-27") == "2019-"


@pytest.mark.parametrize(("text", "span", "published", "period"), [
    ("Duy trì mô hình tại 3 phường theo Quyết định số 1503/QĐ-UBND ngày 10/7/2015 của UBND tỉnh về việc "
     "chọn địa bàn triển khai mô hình năm 2015.", "3", "2019-06-27", "2019"),
    ("Năm 2019, tỉnh xử lý 41 cơ sở, tăng 5 cơ sở so với năm 2018.", "41", None, "2019"),
    ("02:28 PM 27/06/2019\nNăm 2018, tỉnh tổ chức 16 cuộc kiểm tra.", "16", None, "2018"),
    ("Thực hiện Nghị định số 96/2016/NĐ-CP, tỉnh kiểm tra 30 cơ sở.", "30", "2019-05-01", "2019"),
    ("Theo Kế hoạch số 356/KH-UBND ngày 25/01/2023, năm 2024 tỉnh phấn đấu 100% xã tổ chức tuyên truyền.",
     "100%", "2022-12-15", "2024"),
])
def test_dates_that_identify_something_are_not_periods(text: str, span: str, published: str | None, period: str) -> None:
    assert period_of(text, span, published) == period


def test_a_publication_line_dates_the_document_when_no_date_is_given() -> None:
    assert period_of("02:28 PM 27/06/2019\nTỉnh tổ chức 16 cuộc kiểm tra.", "16") == "2019"
    assert period_of("Quảng Ninh đẩy mạnh phòng, chống mại dâm Ngày đăng: 20/12/2019\nTỉnh tổ chức 16 cuộc kiểm tra.",
                     "16") == "2019"


def test_a_framing_statement_carries_to_the_next_sentences() -> None:
    text = ("Cụ thể, trong năm 2019, tỉnh phấn đấu 90% xã tổ chức tuyên truyền. Định kỳ hàng quý có ít nhất "
            "một lần đưa tin trên báo.")
    assert period_of(text, "ít nhất một lần", figure_status="target") == "2019"


def test_a_review_period_covers_the_whole_document() -> None:
    text = ("100% xã, phường, thị trấn tổ chức tuyên truyền. Cụ thể, đến cuối năm 2020, toàn tỉnh hỗ trợ hơn 25% "
            "số người bán dâm. Để có kết quả trên, 5 năm qua, tỉnh đã triển khai nhiều biện pháp. Cụ thể, từ năm "
            "2016 đến nay, UBND tỉnh đã ban hành 7 văn bản. Đến nay, 7/7 huyện đều có Đội công tác xã hội.")
    for span in ("100%", "hơn 25%", "7 văn bản", "7/7"):
        assert period_of(text, span) == "2016-2020"


def test_a_plan_takes_its_year_and_skips_past_frames() -> None:
    text = ("Năm 2022, tỉnh đã tổ chức 10 lớp tập huấn.\n2. Chỉ tiêu\n- Trên 70% xã tổ chức tuyên truyền.\n"
            "3. Tổ chức thực hiện\n- Xây dựng Kế hoạch thực hiện Chương trình trên địa bàn năm 2023.\n"
            "Trên đây là Kế hoạch số 1405/KH-UBND về thực hiện Chương trình trên địa bàn tỉnh năm 2023.")
    assert period_of(text, "Trên 70%", kind="plan", figure_status="target") == "2023"
    assert period_of(text, "Trên 70%", kind="news", figure_status="target") == "2022"


def test_a_situation_figure_takes_its_own_year() -> None:
    text = ("Giai đoạn 2016 - 2020, tỉnh đã tổ chức 50 lớp tập huấn. Hiện có 120 cơ sở kinh doanh dịch vụ "
            "dễ phát sinh tệ nạn mại dâm.")
    assert period_of(text, "120", "2020-12-01") == "2020"
    assert period_of(text, "50", "2020-12-01") == "2016-2020"


def test_years_in_the_headlines_of_other_articles_do_not_count() -> None:
    text = FILLER + "Tỉnh tổ chức 10 lớp tập huấn.\nTin khác\nTriển khai chương trình giai đoạn 2024 – 2030\n"
    assert period_of(text, "10") is None


def gold_accuracy(published_from_gold: bool) -> tuple[int, int]:
    """(right, total) periods over every gold figure, each built from its gold span and sentence."""
    right = total = 0
    for data in gold_documents():
        published = data["published"] if published_from_gold else None
        doc = Document(data["doc_id"], data["source"], data["text"], published=published)
        sentences = split_sentences(data["text"])
        pairs = gold_figures(data)
        periods.attach([f for _, f in pairs], doc, sentences, status.document_kind(doc))
        right += sum(figure.period == gold["period"] for gold, figure in pairs)
        total += len(pairs)
    return right, total


@pytest.mark.parametrize("published_from_gold", [True, False])
def test_gold_seeds_period_accuracy(published_from_gold: bool) -> None:
    right, total = gold_accuracy(published_from_gold)
    assert total == 79
    assert right / total >= 0.95



@pytest.mark.parametrize(("text", "span", "published", "kind", "metric", "figure_status", "period"), [
    # The year in a law's name dates the act, not the figure.
    ("Thi hành Pháp lệnh Phòng, chống mại dâm năm 2003, công an quận đã bắt quả tang 4 cặp nam nữ.",
     "4", "2016-08-10", "news", "other", "achieved", "2016"),
    # A year mentioned once in passing does not date a news item: its publication does.
    ("Công an quận bắt quả tang 3 cặp nam nữ mua bán dâm tại một nhà nghỉ. Nhà nghỉ này hoạt động từ tháng 4/2015.",
     "3", "2016-06-12", "news", "other", "achieved", "2016"),
    # An undated article is read at the period it states most, not at its latest year.
    ("Năm 2022, thành phố kiểm tra 80 cơ sở. Năm 2022, lực lượng chức năng phát hiện 12 vụ. "
     "Tháng 3/2023, công an bắt một đối tượng môi giới. Hiện thành phố có 950 cơ sở kinh doanh dịch vụ.",
     "950", None, "news", "establishments_at_risk", "achieved", "2022"),
    # A span of years in the title (a supervision report) is the document's period.
    ("Báo cáo kết quả giám sát công tác phòng, chống mại dâm từ năm 2016 đến năm 2021\n"
     "Qua giám sát, các ngành đã kiểm tra 640 lượt cơ sở kinh doanh dịch vụ.\n"
     "Năm 2021, tỉnh tổ chức 20 lớp tập huấn. Năm 2021, đoàn kiểm tra 80 cơ sở.",
     "640", None, "report", "other", "achieved", "2016-2021"),
    # A date written with hyphens dates what happened on it.
    ("Tối 14-11-2023, Công an phường kiểm tra năm cơ sở massage trên địa bàn.",
     "năm", "2024-01-05", "news", "other", "achieved", "2023"),
    # `Từ tháng 5-2021, ...` with no end runs until the publication.
    ("Từ tháng 5-2021, Công an huyện đã khởi tố 3 vụ môi giới mại dâm.", "3", "2022", "news", "other", "achieved", "2021-2022"),
    # The horizon of a strategy's vision is no period of the figure.
    ("Từ năm 2021 đến nay, huyện tổ chức 12 lớp tập huấn. Thực hiện Đề án phòng, chống bạo lực tới năm 2025 "
     "và tầm nhìn đến năm 2035, huyện duy trì 9 mô hình hỗ trợ.", "9", "2024-06-01", "news", "other", "achieved", "2021-2025"),
    # A cited resolution dated with hyphens dates the resolution, not the figure.
    ("Năm 2019, tỉnh duy trì 6 mô hình theo Nghị quyết số 14 ngày 20-7-2011 của Hội đồng nhân dân tỉnh.",
     "6", "2019-12-01", "news", "other", "achieved", "2019"),
    # A plan's goals under a deadline heading take the deadline.
    ("Kế hoạch thực hiện Chương trình giai đoạn 2026 - 2030\nGiai đoạn 2026 - 2030, tỉnh thực hiện các nhiệm vụ.\n"
     "2. Các chỉ tiêu cụ thể đến năm 2030\n- 80% xã tổ chức tuyên truyền.", "80%", "2026-02-01", "plan", "other", "target", "2030"),
    # A period named once in passing does not date a news item; a year framing what follows does.
    ("Tập huấn cho 450 cộng tác viên\nSở Y tế vừa tập huấn cho 450 cộng tác viên. Sở đề nghị các huyện thực hiện "
     "tốt các nhiệm vụ giai đoạn 2021 - 2025 và hàng năm.", "450", "2023-09-14", "news", "other", "achieved", "2023"),
    ("Hơn 300 người bán dâm được dạy nghề\nBáo Thời sự - 12/04/2019\nHơn 300 người bán dâm được dạy nghề trong cả "
     "nước.\nNăm 2018, các tỉnh đã lồng ghép nhiều chương trình hỗ trợ.", "Hơn 300", "2019-04-12", "news", "other",
     "achieved", "2018"),
    # An undated review of ten years under the programme's law is read at the law's year plus ten.
    ("Thành phố hiện có khoảng 640 người bán dâm. Đó là số liệu của báo cáo tổng kết 10 năm thực hiện Pháp lệnh "
     "phòng, chống mại dâm.", "khoảng 640", None, "news", "sex_workers_recorded", "achieved", "2013"),
])
def test_what_dates_a_document(text: str, span: str, published: str | None, kind: str, metric: str,
                               figure_status: str, period: str) -> None:
    assert period_of(text, span, published, kind=kind, metric=metric, figure_status=figure_status) == period


def test_a_plans_results_take_the_year_its_frame_names_and_its_goals_the_plans_year() -> None:
    text = ("Kế hoạch phòng, chống mại dâm năm 2024\nI. Kết quả năm 2023\n"
            "Năm 2023, toàn tỉnh đã kiểm tra 120 cơ sở; xử phạt 14 cơ sở.\nII. Chỉ tiêu năm 2024\nKiểm tra 150 cơ sở.")
    assert period_of(text, "14", "2024-01-20", kind="plan", figure_status="achieved") == "2023"
    assert period_of(text, "150", "2024-01-20", kind="plan", figure_status="target") == "2024"


def test_a_review_of_years_under_the_programmes_law_runs_from_the_law() -> None:
    text = ("Qua 12 năm thi hành Pháp lệnh Phòng, chống mại dâm, tỉnh đạt nhiều kết quả. Trong 12 năm qua, "
            "các lực lượng đã kiểm tra 900 lượt cơ sở. Riêng năm 2014, tỉnh kiểm tra 95 cơ sở.")
    assert period_of(text, "900", "2015-03-10") == "2003-2015"
    assert period_of(text, "95", "2015-03-10") == "2014"
