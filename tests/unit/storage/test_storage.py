import hashlib
import io
import os

import pytest

from archive.storage import FileStore, TooLarge


@pytest.fixture
def store(tmp_path):
    s = FileStore(tmp_path / "files")
    s.ensure()
    return s


def test_stage_and_commit_content_addressed(store):
    data = "脱贫攻坚档案".encode() * 1000
    staged = store.stage(io.BytesIO(data))
    assert staged.sha256 == hashlib.sha256(data).hexdigest() and staged.size == len(data)
    assert store.commit(staged) is True
    path = store.path_for(staged.sha256)
    assert path.read_bytes() == data
    assert path.parent.parent.name == staged.sha256[:2]
    assert list(store.tmp.iterdir()) == []  # no temp file left


def test_never_overwritten(store):
    staged = store.stage(io.BytesIO(b"one"))
    store.commit(staged)
    again = store.stage(io.BytesIO(b"one"))
    assert store.commit(again) is False
    assert not again.path.exists()
    assert store.path_for(staged.sha256).read_bytes() == b"one"


def test_size_limit_leaves_nothing(store):
    with pytest.raises(TooLarge):
        store.stage(io.BytesIO(b"x" * 5000), max_bytes=4096)
    assert list(store.tmp.iterdir()) == []


def test_verify_reports_missing_corrupt_orphan(store):
    good, bad, gone, orphan = (store.stage(io.BytesIO(d)) for d in (b"good", b"bad", b"gone", b"orphan"))
    for s in (good, bad, gone, orphan):
        store.commit(s)
    bad_path = store.path_for(bad.sha256)
    os.chmod(bad_path, 0o644)
    bad_path.write_bytes(b"tampered")
    store.path_for(gone.sha256).unlink()
    report = store.verify([good.sha256, bad.sha256, gone.sha256])
    assert report.ok == 1
    assert report.corrupt == [bad.sha256]
    assert report.missing == [gone.sha256]
    assert report.orphans == [orphan.sha256]
    assert not report.clean
