"""The project's own files, read and drawn: the notebooks show them through these, never by copying.

One module per kind of file, each with its reader and its diagram: dockerfile, compose, nginx,
workflows,
deploy (where each value of a deploy lives). `from workbook import files` gives all their names at once.
"""

from .compose import *  # noqa: F403
from .deploy import *  # noqa: F403
from .dockerfile import *  # noqa: F403
from .nginx import *  # noqa: F403
from .source import *  # noqa: F403
from .workflows import *  # noqa: F403
