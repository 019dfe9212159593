"""Chromium as the browser test and the student-path benchmark start it (Playwright)."""

# This machine and CI runners refuse connections a browser makes on its own: none is made.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
