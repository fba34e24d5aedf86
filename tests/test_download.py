"""Downloads against a local HTTP server on 127.0.0.1: verified, atomic, mirror by mirror."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import mnist, sources
from glassnet.datasets.errors import ChecksumError, DownloadError, MissingFilesError
from glassnet.datasets.idx import write_idx

SPLIT_FILES = mnist.FILES["test"]


def _fake_files(tmp: Path) -> dict[str, bytes]:
    rng = np.random.default_rng(7)
    images = write_idx(tmp / "img.gz", rng.integers(0, 256, (3, 28, 28), dtype=np.uint8))
    labels = write_idx(tmp / "lbl.gz", np.array([3, 1, 4], dtype=np.uint8))
    return {SPLIT_FILES[0]: images.read_bytes(), SPLIT_FILES[1]: labels.read_bytes()}


class _Handler(http.server.BaseHTTPRequestHandler):
    """/good/<f>: the file; /corrupt/<f>: one byte changed; /truncated/<f>: half, then EOF."""

    files: dict[str, bytes] = {}
    log: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.log.append(self.path)
        _, kind, name = self.path.split("/", 2)
        body = self.files.get(name)
        if body is None or kind not in ("good", "corrupt", "truncated"):
            self.send_error(404, "File not found")
            return
        if kind == "corrupt":
            body = body[:-20] + bytes([body[-20] ^ 0xFF]) + body[-19:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if kind == "truncated" else body)
        if kind == "truncated":
            self.close_connection = True

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _Handler.files = _fake_files(tmp_path_factory.mktemp("served"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def env(server, tmp_path, monkeypatch):
    """A private cache, no other sources, downloads allowed, checksums of the fake files."""
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    monkeypatch.delenv("GLASSNET_OFFLINE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _Handler.log = []
    sums = {n: f"sha256:{hashlib.sha256(b).hexdigest()}" for n, b in _Handler.files.items()}
    return {"cache": tmp_path / "cache", "sums": sums, "url": server}


def _load(env, mirrors, **kw):
    kw.setdefault("checksums", env["sums"])
    return mnist.load_split("test", cache_dir=env["cache"], mirrors=mirrors, system_dirs=[],
                            progress=False, **kw)


def _cache_files(env) -> list[str]:
    return sorted(p.name for p in env["cache"].iterdir()) if env["cache"].exists() else []


def test_good_mirror_is_verified_cached_and_not_fetched_again(env):
    x, y = _load(env, [f"{env['url']}/good/"])
    assert x.shape == (3, 28, 28) and y.tolist() == [3, 1, 4]
    assert _cache_files(env) == sorted(SPLIT_FILES)
    for name in SPLIT_FILES:
        assert (env["cache"] / name).read_bytes() == _Handler.files[name]
    requests = len(_Handler.log)
    _load(env, [f"{env['url']}/good/"])
    assert len(_Handler.log) == requests == 2


def test_corrupt_mirror_fails_its_checksum_and_the_next_mirror_is_tried(env):
    x, y = _load(env, [f"{env['url']}/corrupt", f"{env['url']}/good"])
    assert y.tolist() == [3, 1, 4]
    assert [p.split("/")[1] for p in _Handler.log] == ["corrupt", "good", "corrupt", "good"]
    assert _cache_files(env) == sorted(SPLIT_FILES)


def test_truncated_and_corrupt_downloads_leave_nothing_behind(env):
    mirrors = [f"{env['url']}/truncated/", f"{env['url']}/corrupt/", f"{env['url']}/absent/"]
    with pytest.raises(MissingFilesError, match="MNIST files not found: t10k-images") as info:
        _load(env, mirrors)
    message = str(info.value)
    assert "connection closed after" in message
    assert "checksum mismatch" in message and "HTTP Error 404" in message
    assert message.count("/truncated/t10k-images-idx3-ubyte.gz") == 1
    # Where it looked, and how to provide the files offline.
    assert str(env["cache"]) in message and "$GLASSNET_DATA" in message
    assert "pass `path=`" in message and "Downloading failed" in message
    assert _cache_files(env) == []  # no partial or temporary file


def test_interrupted_download_leaves_no_file(env, monkeypatch):
    class Bar:
        def update(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(sources, "_progress_bar", lambda *a: contextlib.nullcontext(Bar()))
    monkeypatch.setattr(sources, "_CHUNK", 64)
    with pytest.raises(KeyboardInterrupt):
        _load(env, [f"{env['url']}/good/"])
    assert _cache_files(env) == []


def test_a_file_without_pinned_checksum_is_not_downloaded(env):
    with pytest.raises(MissingFilesError, match="No checksum is pinned for 't10k-images"):
        _load(env, [f"{env['url']}/good/"], checksums={})
    assert _Handler.log == [] and _cache_files(env) == []


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_downloads_can_be_turned_off(env, monkeypatch, how):
    kw = {}
    if how == "argument":
        kw["download"] = False
    else:
        monkeypatch.setenv("GLASSNET_OFFLINE", "1")
    with pytest.raises(MissingFilesError, match=r"Downloading is off \(download=False or "):
        _load(env, [f"{env['url']}/good/"], **kw)
    assert _Handler.log == []


def test_explicit_download_overrides_offline_variable(env, monkeypatch):
    monkeypatch.setenv("GLASSNET_OFFLINE", "1")
    assert _load(env, [f"{env['url']}/good/"], download=True)[1].tolist() == [3, 1, 4]


def test_download_file_with_a_bare_md5_and_a_progress_bar(env):
    name = SPLIT_FILES[1]
    md5 = hashlib.md5(_Handler.files[name]).hexdigest()
    path = sources.download_file(name, [f"{env['url']}/good"], env["cache"], {name: md5},
                                 progress=True)
    assert path.read_bytes() == _Handler.files[name]


def test_download_without_tqdm_has_no_bar(env, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    name = SPLIT_FILES[1]
    path = sources.download_file(name, [f"{env['url']}/good"], env["cache"], env["sums"])
    assert path.is_file()


def test_download_errors(env):
    name = SPLIT_FILES[1]
    with pytest.raises(DownloadError, match=r"from any mirror:\n    http.*/absent/.*404"):
        sources.download_file(name, [f"{env['url']}/absent/"], env["cache"], env["sums"])
    with pytest.raises(DownloadError, match="no mirrors configured"):
        sources.download_file(name, [], env["cache"], env["sums"])
    with pytest.raises(ChecksumError, match="No checksum is pinned"):
        sources.download_file("other.gz", [f"{env['url']}/good/"], env["cache"], env["sums"])
    with pytest.raises(ValueError, match="must be 'md5:<hex>', 'sha256:<hex>'"):
        sources.download_file(name, [f"{env['url']}/good/"], env["cache"], {name: "crc:12"})


def test_one_file_failing_everywhere_stops_the_other_downloads(env, monkeypatch):
    """Offline, every further file would only wait for its own timeouts: the search stops at
    the first file no mirror serves, and passes its timeout to each attempt."""
    timeouts = []
    real = sources.download_file

    def spy(*args, **kwargs):
        timeouts.append(args[5] if len(args) > 5 else kwargs.get("timeout"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sources, "download_file", spy)
    with pytest.raises(MissingFilesError) as info:
        sources.locate(list(SPLIT_FILES), mnist.SOURCE, mirrors=[f"{env['url']}/absent/"],
                       checksums=env["sums"], cache=env["cache"], download=True, progress=False,
                       timeout=2.5)
    assert info.value.missing == SPLIT_FILES
    assert len(_Handler.log) == 1 and timeouts == [2.5]
