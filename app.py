"""celltx: the frame around every page (page config, shared sidebar filters, navigation).

Run with ``streamlit run app.py``. The sidebar filters live here so they persist when the user
changes page; they are mirrored in the URL so a copied link reopens the same view.
"""

import streamlit as st

from celltx import pages, ui

st.set_page_config(page_title="celltx · cellular immunotherapy evidence", page_icon="🧬", layout="wide")

PAGES = {
    group: [
        st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default) for p in entries
    ]
    for group, entries in pages.groups().items()
}

page = st.navigation(PAGES)
ui.init_filters()
page.run()
ui.sidebar_filters()
ui.problems_banner()
