"""Places: the province a figure is about, its 2025 province, and its district (corpora/figures.md)."""

from __future__ import annotations


import pytest

from solieu.extractors import places
from solieu.pipeline.records import Document, Figure
from solieu.pipeline.segment import split_sentences
from gold_helpers import gold_documents, gold_figures

BODY = "Công tác phòng, chống mại dâm trên địa bàn đạt nhiều kết quả, các ngành phối hợp chặt chẽ. " * 6


def doc(text: str, title: str | None = None, source: str = "test.txt") -> Document:
    return Document("t", source, text, title=title)


def figure_in(text: str, span: str) -> Figure:
    """A figure on the first occurrence of `span`, inside its sentence."""
    start = text.index(span)
    sentence = next(s for s in split_sentences(text) if s.start <= start < s.end)
    return Figure("t", "test.txt", start, start + len(span), span, sentence.text, 1.0,
                  sentence_start=sentence.start, sentence_index=sentence.index)


def test_every_province_of_the_table_is_found_in_the_library_data() -> None:
    assert len(places.canonical_table()) == 63
    assert places.unmapped_provinces() == []
    assert len(set(places.library_keys().values())) == 63


@pytest.mark.parametrize(("text", "province"), [
    ("UBND tỉnh Quảng Ninh tổ chức hội nghị tổng kết công tác phòng, chống mại dâm.", "Quảng Ninh"),
    ("Tỉnh Quảng Ninh tổ chức hội nghị tổng kết công tác phòng, chống mại dâm.", "Quảng Ninh"),
    ("Sở Lao động - Thương binh và Xã hội TP.HCM tổ chức tập huấn.", "TP. Hồ Chí Minh"),
    ("Các đội kiểm tra của TPHCM đã kiểm tra nhiều cơ sở.", "TP. Hồ Chí Minh"),
    ("Thành phố Hồ Chí Minh tăng cường kiểm tra cơ sở kinh doanh dịch vụ.", "TP. Hồ Chí Minh"),
    ("Tại Sài Gòn, các quán karaoke được kiểm tra thường xuyên.", "TP. Hồ Chí Minh"),
    ("Công an tỉnh BR-VT triệt phá đường dây mại dâm.", "Bà Rịa - Vũng Tàu"),
    ("Thừa Thiên Huế triển khai chương trình phòng, chống mại dâm.", "Thừa Thiên Huế"),
    ("Thành phố Huế kiểm tra các cơ sở lưu trú.", "Thừa Thiên Huế"),
    ("Trung tâm Công tác xã hội Quảng Nam hỗ trợ người bán dâm. Báo Quảng Nam đưa tin.", "Quảng Nam"),
    ("Quảng Trị: Tập huấn cho cộng tác viên do Bộ Lao động - Thương binh và Xã hội tổ chức.", "Quảng Trị"),
    ("Quận Ninh Kiều tăng cường truyền thông phòng, chống mại dâm tại khu nhà trọ.", "Cần Thơ"),
    ("Phá đường dây mại dâm qua Zalo ở thành phố Vinh.", "Nghệ An"),
])
def test_document_province_from_names_and_aliases(text: str, province: str) -> None:
    assert places.document_province(doc(text)) == province


@pytest.mark.parametrize("text", [
    "Đó là nhiệm vụ của Ủy ban quốc gia phòng, chống AIDS và phòng, chống tệ nạn ma túy, mại dâm năm 2020.",
    "Kỷ niệm chiến thắng Điện Biên Phủ, các chiến sĩ được tặng quà.",
    "Đoàn viên học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
    "Phong trào hòa bình của thanh niên được đẩy mạnh.",
    "Sáng 20/6, tại Hà Nội, Bộ Lao động - Thương binh và Xã hội tổ chức hội nghị toàn quốc về phòng, chống mại dâm.",
])
def test_a_national_text_or_a_name_that_is_no_place_gives_none(text: str) -> None:
    assert places.document_province(doc(text)) is None


def test_headlines_of_other_articles_after_the_body_do_not_count() -> None:
    text = BODY + "\nTin khác\nKiên Giang: Đa dạng các chương trình trợ giúp trẻ em\nTP Hồ Chí Minh: Tăng cường quản lý\n"
    assert places.body_end(text) == text.index("Tin khác")
    assert places.document_province(doc(text)) is None
    assert places.document_province(doc("UBND tỉnh Sơn La ban hành kế hoạch. " + text)) == "Sơn La"


def test_the_url_and_the_title_name_the_province() -> None:
    url = "https://baoquangninh.vn/xa-hoi/quang-ninh-day-manh-phong-chong-mai-dam-123.html"
    assert places.document_province(doc(BODY, source=url)) == "Quảng Ninh"
    assert places.document_province(doc(BODY, title="Sơn La: triển khai nhiều giải pháp")) == "Sơn La"
    assert places.document_province(doc(BODY, source="https://example.vn/tu-tuong-ho-chi-minh.html")) is None


def test_a_document_split_between_two_provinces_is_undecided() -> None:
    assert places.document_province(doc("Tỉnh Sơn La và tỉnh Lào Cai ký kết phối hợp.")) is None


@pytest.mark.parametrize(("name", "after"), [
    ("Ninh Thuận", "Khánh Hòa"), ("Quảng Nam", "Đà Nẵng"), ("Thừa Thiên Huế", "Huế"),
    ("Sơn La", "Sơn La"), ("Bà Rịa - Vũng Tàu", "TP. Hồ Chí Minh"), ("Atlantis", None),
])
def test_province_2025_follows_the_table(name: str, after: str | None) -> None:
    assert places.province_2025(name) == after


@pytest.mark.parametrize(("sentence", "province", "locality"), [
    ("Mô hình đảm bảo quyền của người lao động trên địa bàn thành phố Hạ Long: đã tiếp cận, "
     "tư vấn cho trên 905 lượt người lao động.", "Quảng Ninh", "Hạ Long"),
    ("Đội kiểm tra đã tổ chức 04 lớp tập huấn cho thành viên thuộc thành phố Móng Cái, Hạ Long, "
     "Cẩm Phả, Uông Bí.", "Quảng Ninh", None),
    ("Tổ chức 06 cuộc tuyên truyền tại 03 địa bàn thành phố Hạ Long, Cẩm Phả, Uông Bí.", "Quảng Ninh", None),
    ("Tổ chức 06 cuộc tuyên truyền tại Hạ Long và 2 lớp tập huấn tại Hạ Long.", "Quảng Ninh", "Hạ Long"),
    ("UBND tỉnh Sơn La tập huấn cho 100% cán bộ.", "Sơn La", None),
    ("Báo Sơn La đăng 20 tin bài.", "Sơn La", None),
    ("Thành phố Sơn La tổ chức 5 lớp tập huấn.", "Sơn La", "Sơn La"),
    ("Huyện Quảng Ninh tổ chức 5 lớp tập huấn.", "Quảng Bình", "Quảng Ninh"),
    ("Câu lạc bộ phụ nữ Quảng Ninh tiếp cận 986 lượt người.", "Quảng Bình", None),
    ("Thị xã Điện Bàn kiểm tra 12 cơ sở.", "Quảng Nam", "Điện Bàn"),
    ("Tổ chức 5 lớp tập huấn tại Hạ Long.", "Sơn La", None),
    ("Công ty Vân Đồng tài trợ 5 lớp tập huấn.", "Quảng Ninh", None),
    ("Quận 1 kiểm tra 30 cơ sở.", "TP. Hồ Chí Minh", "Quận 1"),
    ("Tổ chức 5 lớp tập huấn.", None, None),
])
def test_locality_is_the_one_district_the_sentence_names(sentence: str, province: str | None, locality: str | None) -> None:
    assert places.sentence_locality(sentence, province) == locality


@pytest.mark.parametrize(("sentence", "default", "province"), [
    ("Hợp đồng với hội luật gia tỉnh Quảng Ninh tư vấn cho 20 trường hợp.", "Quảng Ninh", "Quảng Ninh"),
    ("Tại tỉnh Lào Cai, 90% xã đã tổ chức tuyên truyền.", "Sơn La", "Lào Cai"),
    ("Đoàn tỉnh Sơn La học tập tại tỉnh Lào Cai, nơi 90% xã đã tổ chức tuyên truyền.", "Sơn La", "Sơn La"),
    ("Tỉnh An Giang có 12 cơ sở được kiểm tra.", None, "An Giang"),
    ("Cả nước có 12 cơ sở được kiểm tra.", None, None),
])
def test_a_sentence_explicitly_about_another_province_takes_it(sentence: str, default: str | None, province: str | None) -> None:
    assert places.sentence_province(sentence, default) == province


def test_attach_sets_the_three_fields() -> None:
    text = ("Quảng Ninh đẩy mạnh công tác phòng, chống mại dâm. Mô hình trên địa bàn thành phố Hạ Long: "
            "đã tiếp cận cho trên 905 lượt người lao động. Tại tỉnh Lào Cai, 90% xã tổ chức tuyên truyền. "
            "UBND tỉnh Quảng Ninh chỉ đạo nhân rộng mô hình.")
    first, second = figure_in(text, "trên 905"), figure_in(text, "90%")
    places.attach([first, second], doc(text), split_sentences(text))
    assert (first.province, first.province_2025, first.locality) == ("Quảng Ninh", "Quảng Ninh", "Hạ Long")
    assert (second.province, second.province_2025, second.locality) == ("Lào Cai", "Lào Cai", None)


def test_gold_seeds_document_province_locality_and_province_of_every_figure() -> None:
    documents = gold_documents()
    right_documents = sum(places.document_province(Document(d["doc_id"], d["source"], d["text"])) == d["province"]
                          for d in documents)
    assert right_documents == len(documents) == 5
    checked = wrong = 0
    for data in documents:
        pairs = gold_figures(data)
        places.attach([f for _, f in pairs], Document(data["doc_id"], data["source"], data["text"]),
                      split_sentences(data["text"]))
        for gold, figure in pairs:
            checked += 1
            wrong += (figure.locality, figure.province, figure.province_2025) != (
                gold["locality"], gold["province"], gold["province_2025"])
    assert checked == 79
    assert wrong == 0


@pytest.mark.parametrize(("text", "province"), [
    # A suspect's home province is an address, not where the story is.
    ("Công an quận Ba Đình, Công an thành phố Hà Nội triệt phá đường dây mại dâm do Trần Văn K. "
     "(SN 1990, trú tại huyện Yên Dũng, Bắc Giang) và Lê Thị M. (SN 1995, quê Thanh Hóa) cầm đầu. "
     "Hai đối tượng (trú ở huyện Lương Sơn, tỉnh Hòa Bình) bị bắt tại Hà Nội.", "Hà Nội"),
    # Streets named after districts or provinces elsewhere are streets.
    ("Nhiều gái mại dâm đón khách trên đường Lê Chân, đường Hà Nội và phố Ngô Quyền, TP.HCM. "
     "Công an quận 3 đã lập biên bản.", "TP. Hồ Chí Minh"),
    # A ward named like a district of another province is a ward.
    ("Đội dân phòng phường Tuy Phước (thị xã Thuận An, tỉnh Bình Dương) giải cứu một cô gái.", "Bình Dương"),
    # `thị xã` is no ward, and lodging (`lưu trú tại`) is no one's address.
    ("Kiểm tra 40 cơ sở tại thị xã Hòa Thành.", "Tây Ninh"),
    ("Có 300 cơ sở lưu trú tại thành phố Đà Lạt.", "Lâm Đồng"),
    # When the evidence is balanced, the one province of the lead is the story's place.
    ("Công an huyện Quỳ Hợp giải cứu một thiếu nữ bị lừa bán.\nThiếu nữ được đưa đến một quán ở huyện "
     "Tuyên Hóa, tỉnh Quảng Bình. Công an tỉnh Nghệ An đang điều tra.", "Nghệ An"),
    # A province speaking of itself (`UBND tỉnh`, `toàn tỉnh`) is no national text though it names the Government.
    ("Thực hiện nhiệm vụ Chính phủ giao, UBND tỉnh ban hành kế hoạch; toàn tỉnh phấn đấu 80% xã tổ chức "
     "tuyên truyền.", None),
])
def test_document_province_from_what_a_name_stands_for(text: str, province: str | None) -> None:
    assert places.document_province(doc(text)) == province


def test_a_province_speaking_of_itself_is_read_from_its_address() -> None:
    text = ("Thực hiện nhiệm vụ Chính phủ giao, UBND tỉnh ban hành kế hoạch; toàn tỉnh phấn đấu 80% xã tổ chức "
            "tuyên truyền.")
    source = "https://portal.sonla.gov.vn/tin-tuc/ubnd-tinh-ban-hanh-ke-hoach.html"
    assert places.document_province(doc(text, source=source)) == "Sơn La"


def test_provinces_listed_as_examples_do_not_make_a_national_text_theirs() -> None:
    text = ("Theo Bộ Công an, cả nước có nhiều cơ sở kinh doanh dịch vụ; tại các địa phương như TP. Hồ Chí Minh, "
            "Hà Nội, Đà Nẵng, Cần Thơ số cơ sở tăng mạnh. Năm nay, lực lượng công an triệt phá nhiều đường dây "
            "như ở TP. Hồ Chí Minh, Hải Phòng, Khánh Hòa, Bình Dương.")
    assert places.document_province(doc(text)) is None


@pytest.mark.parametrize(("sentence", "national_text", "province"), [
    ("Hơn 200 tuyên truyền viên của 18 tỉnh thành phía Bắc dự liên hoan.", True, None),
    ("Hơn 200 chị em tại trung tâm có quê ở 18 tỉnh thành.", False, "Sơn La"),
    ("Cả nước có 12 cơ sở được kiểm tra.", False, None),
    ("Tỉnh Sơn La đứng đầu với 12 cơ sở trong số các tỉnh, thành được kiểm tra.", True, "Sơn La"),
])
def test_a_figure_of_many_provinces_is_national(sentence: str, national_text: bool, province: str | None) -> None:
    assert places.sentence_province(sentence, "Sơn La", national_text) == province
