"""Before/after check of issue 10: every recipe's traces equal the recorded fixture.

A difference is a change in what a reader sees. Where a change is intended, regenerate the
fixture (see tests/unit/recipe_snapshot.py) in a commit that names the traces and the reason.
"""

from __future__ import annotations

import json
import os

from tests.unit import recipe_snapshot as rs


def _diff(before, after, path="") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for k in sorted(set(before) | set(after)):
            out += _diff(before.get(k, "<missing>"), after.get(k, "<missing>"), f"{path}/{k}")
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            out += _diff(b, a, f"{path}[{i}]")
        return out
    return [] if before == after else [f"{path}: {str(before)[:120]} -> {str(after)[:120]}"]


def test_every_recipe_draws_what_the_fixture_recorded():
    now = json.loads(rs.dumps(rs.snapshot()))
    if os.environ.get("CELLTX_UPDATE_SNAPSHOT"):
        rs.FIXTURE.write_text(rs.dumps(now), encoding="utf-8")
    before = json.loads(rs.FIXTURE.read_text(encoding="utf-8"))
    diffs = _diff(before, now)
    assert not diffs, f"{len(diffs)} difference(s):\n" + "\n".join(diffs[:40])
