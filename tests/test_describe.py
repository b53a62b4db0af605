"""The corpus table: documents and figures by part, kind, province (with its 2025 unit) and decade."""

import json

from solieu.pipeline.learning.describe import describe, read_docs


def test_a_merged_province_shows_its_2025_unit_and_a_national_document_says_so(tmp_path):
    lines = [
        {"doc_id": "a", "province": "Bình Dương", "published": "2019-05-02", "kind": "police",
         "figures": [{"period": "2019"}, {"period": "2019"}]},
        {"doc_id": "b", "province": None, "published": None, "kind": "report", "figures": [{"period": "2008"}]},
        {"doc_id": "c", "province": "Hà Nội", "published": None, "kind": "plan", "figures": []},
    ]
    path = tmp_path / "collected.gold.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines), encoding="utf-8")
    text = describe(read_docs([path]))
    assert "| Bình Dương (TP. Hồ Chí Minh) | 1 | 2 |" in text
    assert "| national | 1 | 1 |" in text
    assert "| Hà Nội | 1 | 0 |" in text
    assert "| 2010s | 1 | 2 |" in text and "| 2000s | 1 | 1 |" in text and "| no date | 1 | 0 |" in text
    assert "| police | 1 | 2 |" in text
