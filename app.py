"""celltx: the frame around every page (page config, shared sidebar filters, navigation).

Run with ``streamlit run app.py``. The sidebar filters live here so they persist when the user
changes page; they are mirrored in the URL so a copied link reopens the same view.
"""

import streamlit as st

from celltx import warmup

# First, so that a first run's loading chart already shows in the wide layout under the app's name
st.set_page_config(
    page_title="celltx · cellular immunotherapy evidence", page_icon=":material/biotech:", layout="wide"
)

# The whole run inside warmup.script_run: the start-up warm-up waits for a quiet server (warmup.py).
# The dashboard's modules are imported inside it: on a fresh server the warm-up is importing them,
# and a first run shows its 'loading' chart before waiting for them (warmup._loading_chart).
with warmup.script_run():
    from celltx import pages, ui

    # Streamlit serves the default page at "/" only, yet reserves its url_path: the Overview's own
    # address, /evidence-overview, said "Page not found". The default page therefore reserves a name
    # nobody links to, and a hidden page at its real address forwards to "/" with the link's filters.
    _RESERVED = "-default"
    PAGES = {
        group: [
            st.Page(
                p.file,
                title=p.title,
                icon=p.icon,
                url_path=p.url_path + (_RESERVED if p.default else ""),
                default=p.default,
            )
            for p in entries
        ]
        for group, entries in pages.groups().items()
    }

    _home_entry = next(p for p in pages.PAGES if p.default)
    _home = next(sp for sp in PAGES[_home_entry.group] if sp.title == _home_entry.title)
    PAGES[_home_entry.group].append(
        st.Page(
            lambda: st.switch_page(_home, query_params=st.query_params.to_dict()),
            title=_home_entry.title,
            url_path=_home_entry.url_path,
            visibility="hidden",
        )
    )

    page = st.navigation(PAGES)
    if page.url_path == _home_entry.url_path:
        # the forwarder switches at once, before any widget exists: widgets drawn in a run that
        # switch_page interrupts lose their state, and the link's filters with it
        page.run()
    # The filters are drawn before the page, which reads them: on a restarted server the first run
    # of a reconnected tab carries the widget values the user just changed, and they must win.
    ui.sidebar_filters()
    page.run()
    ui.page_slides(page.title)
    ui.problems_banner()
