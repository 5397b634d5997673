"""The dashboard as served: Streamlit's app (``app.py``) behind the security headers (``st.App``).

``python -m dashboard`` (and ``make demo``) runs ``streamlit run dashboard/server.py``: Streamlit finds the
``app`` below and serves ``app.py`` through it, every option of ``streamlit run`` still applies. Tests that
drive the script directly (``AppTest``) use ``app.py``; the HTTP layer is tested in Chromium.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from dashboard.security_headers import SecurityHeaders

app = st.App(str(Path(__file__).with_name("app.py")), middleware=[Middleware(SecurityHeaders)])
