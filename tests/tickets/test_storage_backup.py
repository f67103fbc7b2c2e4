"""``flask attachments export|import``: a backup of the store's files round-trips, on the local folder and on S3."""

from __future__ import annotations

import hashlib
import os

from tickets.storage import current_store


def _keep(app, tmp_path, name: str, data: bytes) -> None:
    temp = tmp_path / f"{name}.part"
    temp.write_bytes(data)
    with app.app_context():
        current_store().keep_file(str(temp), name)


def _contents(app) -> dict[str, str]:
    with app.app_context():
        store = current_store()
        return {name: hashlib.sha256(b"".join(store.chunks(name))).hexdigest() for name in store.names()}


def test_export_then_import_into_an_empty_store_gives_the_same_files(store, app, runner, tmp_path):
    files = {"a1" * 16: os.urandom(70_000), "b2" * 16: os.urandom(1_000), "c3" * 16: b"x" * 6 * 1024 * 1024}
    for name, data in files.items():
        _keep(app, tmp_path, name, data)
    before = _contents(app)
    assert set(before) == set(files)

    first = runner.invoke(args=["attachments", "export", str(tmp_path / "night1")])
    assert "exported 3 file(s)" in first.output, first.output
    _keep(app, tmp_path, "d4" * 16, b"new tonight")
    second = runner.invoke(args=["attachments", "export", str(tmp_path / "night2"),
                                 "--link-dest", str(tmp_path / "night1")])
    assert "exported 1 file(s), linked 3" in second.output, second.output
    assert os.stat(tmp_path / "night2" / ("a1" * 16)).st_ino == os.stat(tmp_path / "night1" / ("a1" * 16)).st_ino

    with app.app_context():
        for name in current_store().names():
            current_store().delete(name)
    assert _contents(app) == {}
    restored = runner.invoke(args=["attachments", "import", str(tmp_path / "night2")])
    assert "imported 4 file(s)" in restored.output, restored.output
    after = _contents(app)
    assert {k: v for k, v in after.items() if k in before} == before and len(after) == 4
    assert (tmp_path / "night2" / ("a1" * 16)).read_bytes() == files["a1" * 16]  # the backup itself is untouched
