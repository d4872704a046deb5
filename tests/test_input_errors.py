"""Unreadable input gets one clear line naming the file (and line), never a traceback."""

import bz2
import gzip

import pytest
from conftest import THREAD_SEED

from moderation.errors import InputError
from moderation.extract import extract_file


def test_invalid_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "garbled.txt"
    path.write_bytes(b"Headline\nsecond line\nbad \xff\xfe byte\n")
    with pytest.raises(InputError) as error:
        extract_file(path)
    assert str(error.value) == f"{path}:3: byte 0xff is not valid UTF-8 (save the file as UTF-8)"


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binary data, not text"):
        extract_file(path)


def test_truncated_gzip_is_reported(tmp_path):
    path = tmp_path / "page.txt.gz"
    path.write_bytes(gzip.compress(THREAD_SEED.read_bytes())[:-40])
    with pytest.raises(InputError, match=r"page\.txt\.gz: \.gz stream is truncated or corrupt"):
        extract_file(path)


def test_compressed_pages_are_read(tmp_path):
    path = tmp_path / "page.txt.bz2"
    path.write_bytes(bz2.compress(THREAD_SEED.read_bytes()))
    assert [c.author for c in extract_file(path).comments][:2] == ["Jake Hall", "targetdrone"]


def test_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr("moderation.extract.reading.MAX_PAGE_BYTES", 1000)
    path = tmp_path / "huge.txt"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(InputError, match=r"huge\.txt: file is larger than"):
        extract_file(path)


def test_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + THREAD_SEED.read_bytes())
    assert extract_file(path).article.title.startswith("BlackBerry Could Exit")
