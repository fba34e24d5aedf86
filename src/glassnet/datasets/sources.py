"""Where data-set files come from: the search order, the user cache, and verified downloads.

For each file a loader needs, the first of these directories that holds it wins (a file
``name.gz`` may also be stored uncompressed, as ``name``):

1. ``path``, the loader's argument, and its subdirectories named after the data set;
2. for each directory in ``$GLASSNET_DATA`` (``os.pathsep``-separated), its subdirectories
   named after the data set (``mnist/``, ``fashion-mnist/``, torchvision's ``MNIST/raw/``, ...)
   and then the directory itself -- so ``GLASSNET_DATA=~/data`` finds
   ``~/data/mnist/t10k-images-idx3-ubyte.gz``. MNIST and Fashion-MNIST use the
   same file names: keep each in its own subdirectory;
3. the user cache, ``<cache>/glassnet/<dataset>`` (see :func:`cache_dir`);
4. the directories distributions install to (Debian's ``dataset-fashion-mnist`` package
   installs ``/usr/share/datasets/fashion-mnist``);
5. a download from the data set's mirrors, tried in turn, into the user cache.

Downloads are verified against pinned checksums, streamed to a temporary file and renamed
only once complete and verified, so an interrupted or corrupt download never leaves a file
that looks valid. They are off when ``download=False`` or when ``$GLASSNET_OFFLINE`` is
``1``/``true``/``yes``/``on`` (an explicit ``download=True`` wins over the variable).
A progress bar is shown when tqdm (the ``progress`` extra) is installed.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassnet._atomic import atomic_write
from glassnet.datasets.errors import ChecksumError, DownloadError, MissingFilesError

DATA_ENV = "GLASSNET_DATA"
OFFLINE_ENV = "GLASSNET_OFFLINE"
_TRUE = {"1", "true", "yes", "on"}
_CHUNK = 1 << 16

#: ``{file name: digest or digests}``; a digest is ``"md5:<hex>"``, ``"sha256:<hex>"``, or bare
#: hex (32 digits: MD5, 64: SHA-256). A file matches when any one digest matches.
Checksums = Mapping[str, "str | Sequence[str]"]


@dataclass(frozen=True)
class DataSource:
    """What the search needs to know about one data set.

    Parameters
    ----------
    name : str
        Cache subdirectory, e.g. ``"mnist"``.
    title : str
        Human name for messages, e.g. ``"MNIST"``.
    dirnames : tuple of str
        Subdirectories of ``path`` / ``$GLASSNET_DATA`` that may hold the files.
    offline_hint : str
        Extra advice for the "not found" message (e.g. a distribution package).
    """

    name: str
    title: str
    dirnames: tuple[str, ...]
    offline_hint: str = ""


# ------------------------------------------------------------------------------- locations


def cache_dir(dataset: str | None = None) -> Path:
    """The user cache directory of glassnet (or of one ``dataset`` inside it).

    ``$XDG_CACHE_HOME/glassnet`` when that variable is set; otherwise platformdirs'
    ``user_cache_dir("glassnet")`` when platformdirs (the ``data`` extra) is installed;
    otherwise ``~/.cache/glassnet``. Nothing is created.
    """
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        root = Path(xdg).expanduser() / "glassnet"
    else:
        try:
            import platformdirs
        except ImportError:
            root = Path.home() / ".cache" / "glassnet"
        else:
            root = Path(platformdirs.user_cache_dir("glassnet", appauthor=False))
    return root / dataset if dataset else root


def downloads_enabled(download: bool | None = None) -> bool:
    """``download`` if given, else True unless ``$GLASSNET_OFFLINE`` is set to a true value."""
    if download is not None:
        return bool(download)
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in _TRUE


def search_dirs(
    source: DataSource,
    path: str | os.PathLike[str] | None = None,
    system_dirs: Sequence[str | os.PathLike[str]] = (),
    cache: str | os.PathLike[str] | None = None,
) -> list[tuple[str, Path]]:
    """The directories searched, in order, each with where it came from (for messages).

    ``cache`` replaces the user cache directory of ``source`` (tests point it at a tmp dir).
    """
    out: list[tuple[str, Path]] = []

    def add(origin: str, root: Path) -> None:
        for sub in source.dirnames:
            out.append((f"{origin}/{sub}", root / sub))
        out.append((origin, root))

    if path is not None:
        add("path argument", Path(path).expanduser())
    for root in filter(None, os.environ.get(DATA_ENV, "").split(os.pathsep)):
        add(f"${DATA_ENV}", Path(root).expanduser())
    out.append(("user cache", Path(cache) if cache is not None else cache_dir(source.name)))
    out.extend(("system directory", Path(d)) for d in system_dirs)
    unique: dict[Path, str] = {}
    for origin, d in out:
        unique.setdefault(d, origin)
    return [(origin, d) for d, origin in unique.items()]


def find_file(filename: str, dirs: Sequence[Path]) -> Path | None:
    """The first ``dir/filename`` (or ``dir/filename`` without ``.gz``) that is a file."""
    names = (filename, filename.removesuffix(".gz")) if filename.endswith(".gz") else (filename,)
    for d in dirs:
        for name in names:
            candidate = d / name
            if candidate.is_file():
                return candidate
    return None


# ------------------------------------------------------------------------------- checksums


def _parse_digests(filename: str, checksums: Checksums) -> list[tuple[str, str]]:
    spec = checksums.get(filename)
    if spec is None:
        raise ChecksumError(
            f"No checksum is pinned for '{filename}', so a download of it cannot be verified; "
            f"pinned files: {', '.join(sorted(checksums)) or 'none'}."
        )
    digests = []
    for item in [spec] if isinstance(spec, str) else list(spec):
        algo, _, hexdigest = item.rpartition(":")
        algo = algo.lower() or {32: "md5", 64: "sha256"}.get(len(hexdigest), "")
        if algo not in ("md5", "sha1", "sha256", "sha512"):
            raise ValueError(
                f"Checksum {item!r} for '{filename}' must be 'md5:<hex>', 'sha256:<hex>' or "
                "32/64 hex digits."
            )
        digests.append((algo, hexdigest.lower()))
    return digests


def _hasher(algo: str) -> Any:
    return hashlib.new(algo, usedforsecurity=False)


def file_digest(path: str | os.PathLike[str], algorithm: str = "sha256") -> str:
    """Hex digest of the file at ``path`` (``algorithm``: md5, sha1, sha256, sha512)."""
    h = _hasher(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------- downloads


@contextmanager
def _progress_bar(total: int | None, desc: str, enabled: bool) -> Iterator[Any]:
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            enabled = False
    if not enabled:
        yield None
        return
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc) as bar:
        yield bar


def _fetch(url: str, dest: Path, digests: list[tuple[str, str]], progress: bool,
           timeout: float) -> None:
    """Stream ``url`` into ``dest`` atomically, checking its length and digest."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        hashers = {algo: _hasher(algo) for algo, _ in digests}
        received = 0
        with _progress_bar(total, dest.name, progress) as bar, atomic_write(dest, "wb") as f:
            while chunk := resp.read(_CHUNK):
                f.write(chunk)
                for h in hashers.values():
                    h.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            # http.client's read(n) returns b"" when the server closes early: check ourselves.
            if total is not None and received != total:
                raise DownloadError(
                    f"the connection closed after {received} of {total} bytes"
                )
            got = {algo: h.hexdigest() for algo, h in hashers.items()}
            if not any(got[algo] == want for algo, want in digests):
                raise ChecksumError(
                    f"checksum mismatch: got {', '.join(f'{a}:{d}' for a, d in got.items())}, "
                    f"expected {' or '.join(f'{a}:{d}' for a, d in digests)}"
                )


def download_file(
    filename: str,
    mirrors: Sequence[str],
    dest_dir: str | os.PathLike[str],
    checksums: Checksums,
    progress: bool = True,
    timeout: float = 30.0,
) -> Path:
    """Download ``filename`` from the first mirror that serves it intact, into ``dest_dir``.

    Parameters
    ----------
    filename : str
        File name, appended to each mirror's base URL.
    mirrors : sequence of str
        Base URLs (``"https://host/dir/"``), tried in order.
    dest_dir : path-like
        Where the verified file is stored (created if needed).
    checksums : mapping of str to str or sequence of str
        Pinned digests by file name (see :data:`Checksums`); a file without one is refused.
    progress : bool, default True
        Show a tqdm progress bar when tqdm is installed.
    timeout : float, default 30.0
        Seconds to wait for each connection and read.

    Returns
    -------
    Path
        ``dest_dir / filename``, complete and verified.

    Raises
    ------
    DownloadError
        Every mirror failed (unreachable, HTTP error, truncated, or checksum mismatch); the
        message lists each URL and why. A failed attempt leaves no file behind.
    ChecksumError
        No checksum is pinned for ``filename``.
    """
    digests = _parse_digests(filename, checksums)
    dest = Path(dest_dir) / filename
    attempts = []
    for mirror in mirrors:
        url = mirror if mirror.endswith("/") else mirror + "/"
        url += filename
        try:
            _fetch(url, dest, digests, progress, timeout)
        except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError is OSError
            attempts.append(f"{url}: {exc}")
            continue
        return dest
    tried = "\n".join(f"    {a}" for a in attempts) or "    (no mirrors configured)"
    raise DownloadError(f"Could not download '{filename}' from any mirror:\n{tried}")


# ------------------------------------------------------------------------------- the search


def locate(
    files: Sequence[str],
    source: DataSource,
    path: str | os.PathLike[str] | None = None,
    *,
    system_dirs: Sequence[str | os.PathLike[str]] = (),
    mirrors: Sequence[str] = (),
    checksums: Checksums | None = None,
    cache: str | os.PathLike[str] | None = None,
    download: bool | None = None,
    progress: bool = True,
    hint: str = "",
    timeout: float = 30.0,
) -> dict[str, Path]:
    """Find every one of ``files``, downloading the missing ones if allowed.

    Parameters
    ----------
    files : sequence of str
        File names, e.g. ``["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]``.
    source : DataSource
        The data set (its cache name, subdirectory names and offline advice).
    path, system_dirs, cache
        See :func:`search_dirs`.
    mirrors, checksums, progress, timeout
        See :func:`download_file`. When one file cannot be downloaded from any mirror, the
        others are not tried (the data set is incomplete anyway, and offline every further
        attempt would only wait for its own timeouts).
    download : bool, optional
        Allow downloads; by default unless ``$GLASSNET_OFFLINE`` is set.
    hint : str
        Appended to the "not found" message.

    Returns
    -------
    dict of str to Path
        Where each file is.

    Raises
    ------
    MissingFilesError
        Some files exist nowhere and could not be downloaded. The message names them, lists
        every directory searched, the download attempts, and how to provide the files offline.
    """
    dirs = search_dirs(source, path, system_dirs, cache)
    found = {f: find_file(f, [d for _, d in dirs]) for f in files}
    missing = [f for f, p in found.items() if p is None]
    allowed = downloads_enabled(download)
    failures: list[str] = []
    if missing and allowed:
        dest = Path(cache) if cache is not None else cache_dir(source.name)
        for f in missing:
            try:
                found[f] = download_file(f, mirrors, dest, checksums or {}, progress, timeout)
            except (DownloadError, ChecksumError) as exc:
                failures.append(str(exc))
                break
    still = tuple(f for f, p in found.items() if p is None)
    if still:
        raise MissingFilesError(_not_found_message(source, still, dirs, allowed, failures, hint),
                                missing=still)
    return {f: p for f, p in found.items() if p is not None}


def _not_found_message(
    source: DataSource,
    missing: Sequence[str],
    dirs: list[tuple[str, Path]],
    allowed: bool,
    failures: list[str],
    hint: str,
) -> str:
    looked = "\n".join(
        f"  - {origin}: {d}" + ("" if d.is_dir() else " (does not exist)") for origin, d in dirs
    )
    if not allowed:
        dl = f"Downloading is off (download=False or ${OFFLINE_ENV}=1)."
    else:
        dl = "Downloading failed:\n" + "\n".join(f"  {f}" for f in failures)
    cache = next(d for origin, d in dirs if origin == "user cache")
    lines = [
        f"{source.title} files not found: {', '.join(missing)}.",
        f"Looked in these directories (for 'x.gz', also uncompressed 'x'):\n{looked}",
        dl,
        "To provide the files offline, do one of: pass `path=` a directory holding them; "
        f"set ${DATA_ENV} to a directory with a '{source.dirnames[0]}/' subdirectory holding "
        f"them; or copy them into the cache directory {cache}.",
    ]
    if source.offline_hint:
        lines.append(source.offline_hint)
    if hint:
        lines.append(hint)
    return "\n".join(lines)
