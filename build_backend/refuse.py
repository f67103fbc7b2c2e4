"""The in-tree build backend (PEP 517): it builds nothing and says why, so `pip install .` fails clearly.

The app runs from its checkout (README, Quick start; docs/deploy.md for production): its modules, templates,
static files and migrations sit side by side at the top of the tree, under the design's names (`app`, `ops`,
`contracts`, ...), some of which other published packages already own. A wheel of it would either miss files or
collide, so every hook a frontend may call refuses with one message.
"""

from __future__ import annotations

import sys

MESSAGE = (
    "b24-support-desk is not an installable package: this app runs from its checkout: see README, Quick start.\n"
    "Install its dependencies instead: pip install --group app (or --group dev, --group test; pip >= 25.1).\n"
)


def _refuse(*_args: object, **_kwargs: object) -> None:
    sys.stderr.write(MESSAGE)
    raise SystemExit(1)


# Every PEP 517 / PEP 660 hook, mandatory and optional: whichever the frontend asks first refuses.
get_requires_for_build_wheel = get_requires_for_build_sdist = get_requires_for_build_editable = _refuse
prepare_metadata_for_build_wheel = prepare_metadata_for_build_editable = _refuse
build_wheel = build_sdist = build_editable = _refuse
