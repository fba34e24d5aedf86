"""The IDX reader refuses every malformed file with a clear message; the writer round-trips."""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import numpy as np
import pytest

from glassnet.datasets.errors import DatasetError, IDXFormatError
from glassnet.datasets.idx import read_idx, read_idx_header, read_images, read_labels, write_idx


def _raw(code: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


def _put(tmp_path, name: str, data: bytes, gz: bool = False):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def images(rng) -> np.ndarray:
    return rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", ["x-idx3-ubyte", "x-idx3-ubyte.gz"])
def test_images_round_trip_raw_and_gzip(tmp_path, images, name):
    path = write_idx(tmp_path / name, images)
    back = read_images(path)
    assert back.dtype == np.uint8 and back.shape == (6, 28, 28)
    np.testing.assert_array_equal(back, images)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    header = read_idx_header(path)
    assert header.shape == (6, 28, 28) and header.data_bytes == 6 * 28 * 28


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_every_idx_dtype_round_trips_in_native_order(tmp_path, rng, dtype):
    a = (rng.standard_normal((3, 4, 5)) * 100).astype(dtype)
    back = read_idx(write_idx(tmp_path / "a.gz", a))
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, a)


def test_gzip_output_is_reproducible(tmp_path, images):
    a = write_idx(tmp_path / "a.gz", images).read_bytes()
    b = write_idx(tmp_path / "b.gz", images).read_bytes()
    assert a == b


def test_labels_read_and_range_checked(tmp_path):
    path = write_idx(tmp_path / "l.gz", np.array([0, 9, 3], dtype=np.uint8))
    np.testing.assert_array_equal(read_labels(path, num_classes=10), [0, 9, 3])
    with pytest.raises(IDXFormatError, match=r"1 labels outside \[0, 5\), e.g. 9 at index 1"):
        read_labels(path, num_classes=5)


def test_write_idx_refuses_types_idx_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match=r"`array` must have an IDX data type .* got dtype int64"):
        write_idx(tmp_path / "a", np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match=r"`array` must have 1 to 255 dimensions.*shape \(\)"):
        write_idx(tmp_path / "a", np.uint8(3))


# ----------------------------------------------------------------------------- malformed files


@pytest.mark.parametrize("gz", [False, True])
def test_bad_magic(tmp_path, gz):
    path = _put(tmp_path, "bad", b"\x12\x34\x08\x01" + struct.pack(">I", 1) + b"\x00", gz)
    with pytest.raises(IDXFormatError, match=r"not an IDX file: its magic number is 0x12340801"):
        read_idx(path)


def test_unknown_dtype_code(tmp_path):
    path = _put(tmp_path, "bad", _raw(0x07, (2,), b"\x00\x00"))
    with pytest.raises(IDXFormatError, match=r"unknown data type code 0x07.*0x08 \(uint8\)"):
        read_idx(path)


def test_zero_dimensions(tmp_path):
    path = _put(tmp_path, "bad", b"\x00\x00\x08\x00")
    with pytest.raises(IDXFormatError, match="declares 0 dimensions"):
        read_idx(path)


def test_file_shorter_than_magic_or_dims(tmp_path):
    with pytest.raises(IDXFormatError, match="truncated: expected 4 bytes of magic number, got 2"):
        read_idx(_put(tmp_path, "a", b"\x00\x00"))
    with pytest.raises(IDXFormatError, match="expected 12 bytes of dimension sizes, got 4"):
        read_idx(_put(tmp_path, "b", b"\x00\x00\x08\x03" + b"\x00\x00\x00\x02"))


@pytest.mark.parametrize("gz", [False, True])
def test_wrong_number_of_dims_for_the_kind(tmp_path, gz):
    path = _put(tmp_path, "x", _raw(0x08, (2, 3), bytes(6)), gz)
    with pytest.raises(IDXFormatError, match=r"holds 2-D data of shape \(2, 3\), but images"):
        read_images(path)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, gz, images):
    data = _raw(0x08, images.shape, images.tobytes())[:-100]
    path = _put(tmp_path, "x", data, gz)
    with pytest.raises(IDXFormatError, match="truncated: its header promises 4704 bytes"):
        read_images(path)


@pytest.mark.parametrize("gz", [False, True])
def test_trailing_bytes_are_an_error(tmp_path, gz):
    path = _put(tmp_path, "l", _raw(0x08, (3,), b"\x01\x02\x03" + b"junk"), gz)
    with pytest.raises(IDXFormatError, match="trailing bytes after the 3 bytes"):
        read_labels(path)


@pytest.mark.parametrize("gz", [False, True])
def test_absurd_header_is_refused_before_allocating(tmp_path, gz):
    # 10^12 labels, then a few bytes: reading must fail at once, not try to allocate 1 TB.
    path = _put(tmp_path, "huge", _raw(0x08, (10**12 % 2**32, 2**20), bytes(64)), gz)
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match=r"truncated: its header promises|more than a gzip"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20


def test_absurd_gzip_header_names_the_impossibility(tmp_path):
    path = _put(tmp_path, "huge.gz", _raw(0x0E, (2**31, 2**31), bytes(64)), gz=True)
    with pytest.raises(IDXFormatError, match="more than a gzip file of .* bytes can hold"):
        read_idx(path)


def test_corrupt_gzip_stream(tmp_path, images):
    blob = bytearray(gzip.compress(_raw(0x08, images.shape, images.tobytes())))
    blob[len(blob) // 2] ^= 0xFF
    blob[len(blob) // 2 + 1] ^= 0x55
    path = _put(tmp_path, "bad.gz", bytes(blob))
    with pytest.raises(IDXFormatError, match="truncated or corrupt gzip file"):
        read_images(path)


def test_gzip_with_wrong_crc(tmp_path):
    blob = bytearray(gzip.compress(_raw(0x08, (3,), b"\x01\x02\x03")))
    blob[-8] ^= 0x01  # the CRC32 in the trailer
    with pytest.raises(IDXFormatError, match="corrupt gzip file .*CRC"):
        read_labels(_put(tmp_path, "bad.gz", bytes(blob)))


def test_truncated_gzip_stream(tmp_path, images):
    blob = gzip.compress(_raw(0x08, images.shape, images.tobytes()))
    path = _put(tmp_path, "cut.gz", blob[: len(blob) // 2])
    with pytest.raises(IDXFormatError, match="truncated or corrupt gzip"):
        read_images(path)


def test_labels_passed_as_images_and_images_as_labels(tmp_path, images):
    img = write_idx(tmp_path / "img.gz", images)
    lbl = write_idx(tmp_path / "lbl.gz", np.arange(6, dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="labels file passed where images belong"):
        read_images(lbl)
    with pytest.raises(IDXFormatError, match="images file passed where labels belong"):
        read_labels(img)


def test_errors_are_value_errors_and_missing_files_stay_file_errors(tmp_path):
    assert issubclass(IDXFormatError, DatasetError) and issubclass(DatasetError, ValueError)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")
    with pytest.raises(ValueError, match="`expected_kind` must be 'images', 'labels' or None"):
        read_idx(write_idx(tmp_path / "l", np.zeros(2, np.uint8)), expected_kind="image")
