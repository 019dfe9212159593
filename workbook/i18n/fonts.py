"""A font that draws Hangul, for the Korean edition's plots.

Matplotlib's own font (DejaVu Sans) has no Hangul: a Korean label comes out as boxes. With Korean
selected, `workbook.setup()` calls `use_korean_font()`, which registers NanumGothic and puts it
first in `font.family` (DejaVu Sans after it, for the glyphs NanumGothic lacks, such as ✓).

NanumGothic comes from the `koreanize-matplotlib` wheel (requirements-lab.txt; MIT, the font
itself under the SIL Open Font License), read as a file: that package's own import sets
matplotlib up as a side effect and needs distutils, which Python 3.12 no longer has. Where it is
missing, a Korean font the system has is used (fonts-nanum, Noto Sans CJK KR, Malgun Gothic on
Windows, Apple SD Gothic Neo on macOS).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE = "koreanize_matplotlib"
SYSTEM_FAMILIES = (
    "NanumGothic",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
)


def bundled_font() -> Path | None:
    """NanumGothic.ttf inside the koreanize-matplotlib package, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "NanumGothic.ttf"
        if path.is_file():
            return path
    return None


def use_korean_font() -> str | None:
    """Make matplotlib draw Hangul; returns the family chosen, or None when no font has it."""
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:  # matplotlib is the lab's: nothing to draw with
        return None
    family = None
    path = bundled_font()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
    else:
        known = {font.name for font in font_manager.fontManager.ttflist}
        family = next((name for name in SYSTEM_FAMILIES if name in known), None)
    if family is None:
        return None
    fallback = [name for name in matplotlib.rcParams["font.family"] if name != family]
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans", *fallback]
    # NanumGothic has no U+2212 minus sign: axes draw the hyphen-minus instead.
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family
