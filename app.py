"""celltx: the frame around every page (page config, shared sidebar filters, navigation).

Run with ``streamlit run app.py``. The sidebar filters live here so they persist when the user
changes page; they are mirrored in the URL so a copied link reopens the same view.
"""

import streamlit as st

from celltx import ui

st.set_page_config(page_title="celltx · cellular immunotherapy evidence", page_icon="🧬", layout="wide")

PAGES = {
    "Evidence base": [
        st.Page(
            "views/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            url_path="evidence-overview",
            default=True,
        ),
        st.Page("views/targets.py", title="Targets", icon=":material/grid_on:", url_path="target-antigens"),
        st.Page("views/data.py", title="Data and sources", icon=":material/table:", url_path="data-sources"),
    ],
    "CAR-T cells": [
        st.Page(
            "views/cart_response.py",
            title="CAR-T response",
            icon=":material/target:",
            url_path="cart-response",
        ),
        st.Page(
            "views/crs_dose.py",
            title="CRS and dose",
            icon=":material/local_fire_department:",
            url_path="crs-dose",
        ),
        st.Page(
            "views/survival.py",
            title="Survival and durability",
            icon=":material/timeline:",
            url_path="survival-durability",
        ),
    ],
    "NK cells": [
        st.Page("views/nk.py", title="NK-cell therapy", icon=":material/bubble_chart:", url_path="nk-cells"),
    ],
    "Transplant": [
        st.Page(
            "views/donor.py", title="Donor type", icon=":material/compare_arrows:", url_path="donor-type"
        ),
    ],
}

page = st.navigation(PAGES)
ui.init_filters()
page.run()
ui.sidebar_filters()
ui.problems_banner()
