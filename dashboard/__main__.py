"""``python -m dashboard [streamlit options]``: the dashboard server, with the workspace read at start.

The same server as ``streamlit run dashboard/app.py`` (every option passes through), with the security
headers of :mod:`dashboard.security_headers` (served through ``dashboard/server.py``), plus the thread of
:mod:`dashboard.warm`, which reads the workspace before the first visit and again after each import.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

#: What ``streamlit run`` serves: ``app.py`` behind the security headers (:mod:`dashboard.server`).
APP = Path(__file__).with_name("server.py")


def main(argv: list[str] | None = None) -> None:
    """Start the warm-up thread, then Streamlit's own command line on the app (it does not return)."""
    from streamlit.web import cli

    # Importing the pages' cached functions before Streamlit's runtime exists makes each decorator check its
    # options against a stand-in store and say so ("No runtime found, using MemoryCacheStorageManager", 24
    # lines at every start): noise, since every call runs once the runtime is up. Quiet for the import only.
    noisy = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = noisy.level
    noisy.setLevel(logging.ERROR)
    try:
        from dashboard.warm import LOG, start_watching
    finally:
        noisy.setLevel(level)
    from geo.admin.access import AuthConfig

    try:  # a sign-in configuration that cannot work is said once, at start, in the operator's terminal
        AuthConfig.from_env()
    except ValueError as exc:
        raise SystemExit(f"gridwatch: {exc}") from None

    handler = logging.StreamHandler()  # "warmed ... in 4.1 s" in the server's log
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    start_watching()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
