"""Uploading studies on the Data page: valid ones join every chart as user data, errors are listed."""

from __future__ import annotations

import re
from pathlib import Path

from celltx import load, ui, upload
from tests.app.conftest import figures, open_page, record_ids, table_with

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def upload_file(at, name: str, data: bytes, mime: str):
    at.file_uploader[0].set_value((name, data, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_valid_upload_appears_on_the_response_chart_as_user_data():
    at = open_page("data")
    upload_file(at, "mine.yaml", upload.template_yaml().encode(), "application/yaml")
    assert any("1 valid record(s)" in s.value for s in at.success)
    table = table_with(at, "quote", "user_data")
    mine = table[table["record_id"] == "example-my-centre-cd19"]
    assert len(mine) == 2 and mine["user_data"].all()
    at.switch_page("views/cart_response.py").run()
    fig = figures(at)[0]
    assert "example-my-centre-cd19" in record_ids(fig)
    stars = [
        t for t in fig["data"] if "example-my-centre-cd19" in {c[0] for c in (t.get("customdata") or [])}
    ]
    assert any(
        "star"
        in (
            t["marker"]["symbol"]
            if isinstance(t["marker"]["symbol"], str)
            else " ".join(t["marker"]["symbol"])
        )
        for t in stars
    )
    assert any(t.get("name") == "★ your uploaded data" for t in fig["data"])
    excluded = table_with(at, "excluded_reasons")
    assert excluded["excluded_reasons"].str.contains("example-my-centre-cd19: user data").any()


def test_half_valid_upload_lists_errors_and_keeps_the_valid_records():
    at = open_page("data")
    upload_file(at, "half_valid.csv", (BAD / "half_valid.csv").read_bytes(), "text/csv")
    assert any("1 valid record(s)" in s.value for s in at.success)
    assert any("1 problem(s)" in e.value for e in at.error)
    errors = table_with(at, "where", "reason")
    assert list(errors["record"]) == ["user-bad"]
    assert "line/row 3" in errors["where"].iloc[0] and "larger than n" in errors["reason"].iloc[0]
    table = table_with(at, "quote", "user_data")
    assert "user-ok" in set(table["record_id"]) and "user-bad" not in set(table["record_id"])


def test_unreadable_upload_is_reported_and_curated_data_stays():
    at = open_page("data")
    before = len(table_with(at, "quote", "user_data"))
    upload_file(at, "evil.yaml", (BAD / "python_object.yaml").read_bytes(), "application/yaml")
    errors = table_with(at, "where", "reason")
    assert "not allowed" in errors["reason"].iloc[0]
    assert len(table_with(at, "quote", "user_data")) == before


def test_removing_uploaded_studies():
    at = open_page("data")
    upload_file(at, "mine.yaml", upload.template_yaml().encode(), "application/yaml")
    at.button(key="upload_clear").click().run()
    table = table_with(at, "quote", "user_data")
    assert "example-my-centre-cd19" not in set(table["record_id"])
    assert not table["user_data"].any()
    at.run()  # the emptied uploader does not bring them back
    assert "example-my-centre-cd19" not in set(table_with(at, "quote", "user_data")["record_id"])


# ---------------------------------------------------------------------------------------------
# Issue 12: hostile and careless uploads become a message for the file, never a broken page


def test_overflowing_n_is_a_message_and_the_state_clears():
    at = open_page("data")
    upload_file(at, "overflow_n.csv", (BAD / "overflow_n.csv").read_bytes(), "text/csv")
    errors = table_with(at, "where", "reason")
    assert "less than or equal to 10000000" in errors["reason"].iloc[0]
    at.run()  # the upload state does not re-raise on the next rerun
    assert not at.exception
    at.button(key="upload_clear").click().run()
    assert not at.exception and not any("problem(s)" in e.value for e in at.error)


def test_an_unexpected_error_is_a_message_with_the_detail_in_the_log(monkeypatch, caplog):
    def broken(data, name):
        raise RuntimeError("boom in /srv/secret/path.py")

    monkeypatch.setattr(upload, "parse_upload", broken)
    at = open_page("data")
    upload_file(at, "mine.yaml", upload.template_yaml().encode(), "application/yaml")
    reason = table_with(at, "where", "reason")["reason"].iloc[0]
    assert "internal error: RuntimeError" in reason and "server log" in reason
    assert "/srv/secret" not in reason
    assert any("/srv/secret" in r.exc_text for r in caplog.records if r.exc_text)
    at.button(key="upload_clear").click().run()
    assert not at.exception and not any("problem(s)" in e.value for e in at.error)


def test_the_file_name_is_plain_text():
    at = open_page("data")
    upload_file(at, "[**x**](javascript:go()).yaml", upload.template_yaml().encode(), "application/yaml")
    (msg,) = [s.value for s in at.success]
    assert r"\[\*\*x\*\*\]\(javascript\:go\(\)\)\.yaml" in msg  # ":" escaped too (emoji codes)


def test_a_search_with_no_hits_says_so():
    at = open_page("data")
    at.text_input(key="data_search").input("zzqqxx-no-such-study").run()
    infos = [i.value for i in at.info]
    assert any("No values match the search “zzqqxx\\-no\\-such\\-study”" in i for i in infos), infos
    assert not any("current filters" in i for i in infos)


def test_html_in_study_and_arm_names_is_drawn_as_text_on_every_axis():
    at = open_page("data")
    upload_file(at, "html_name.yaml", (BAD / "html_name.yaml").read_bytes(), "application/yaml")
    at.switch_page("views/cart_response.py").run()
    labels = [
        str(v)
        for fig in figures(at)
        for t in fig["data"]
        for v in [*(t.get("y") or []), *(t.get("x") or []), t.get("name") or ""]
        if isinstance(v, str)
    ]
    # long row labels are wrapped by the layout with Plotly's own line break, the one tag it adds;
    # a '<br>' written in the data would arrive escaped ('&lt;br>')
    labels = [v.replace("<br>", " ") for v in labels]
    mine = [v for v in labels if "alert(1)" in v]
    assert mine, "the uploaded study is drawn"
    # the only markup left is the line breaks the charts put into long labels themselves
    assert all("<" not in v.replace("<br>", "") for v in labels), [v for v in labels if "<" in v]
    assert any("&lt;script>alert(1)&lt;/script>&lt;b>A&lt;/b>" in v for v in mine)


def _curated_files() -> dict[str, tuple[bytes, int]]:
    files = sorted(p for p in load.DATA_DIR.rglob("*") if p.is_file())
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def test_an_upload_stays_in_its_session_and_the_curated_data_is_never_written():
    before = _curated_files()
    mine = open_page("data")
    upload_file(mine, "mine.yaml", upload.template_yaml().encode(), "application/yaml")
    assert "example-my-centre-cd19" in set(table_with(mine, "quote", "user_data")["record_id"])
    # a second browser session in the same server process: same caches, its own session state
    other = open_page("data")
    assert "example-my-centre-cd19" not in set(table_with(other, "quote", "user_data")["record_id"])
    other.switch_page("views/cart_response.py").run()
    assert "example-my-centre-cd19" not in record_ids(figures(other)[0])
    assert not any("your uploaded data" in (t.get("name") or "") for t in figures(other)[0]["data"])
    mine.button(key="upload_clear").click().run()
    assert _curated_files() == before


def test_text_from_data_is_inert_in_markdown():
    # the record panel, upload messages and captions put data into st.markdown through md_escape
    shown = ui.md_escape("<img src=x onerror=alert(1)> [**link**](javascript:go()) `code` # h")
    assert "<" not in shown and ">" not in shown.replace("&gt;", "")
    for ch in "[]()*`#":
        assert f"\\{ch}" in shown, ch
    assert not re.search(r"(?<!\\)[\[\]()*`#]", shown), shown
    # Streamlit's own Markdown extensions: LaTeX, emoji and icon shortcodes, colours
    extended = ui.md_escape("$x^2$ :smile: :material/home: :red[x]")
    assert not re.search(r"(?<!\\)[$:/]", extended), extended
