"""Loading every accepted log format, the malformed corpus, and the real recordings."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from recorder import LoadConfig, Problem, RecordingError, load_recordings
from recorder.csv_log import read_log
from tests.conftest import spoil_frames

N_ROWS = 4


def _key(sample):
    """What must be equal across formats: image names and numbers (not row numbers)."""
    return (
        sample.center.name,
        sample.left.name if sample.left else None,
        sample.right.name if sample.right else None,
        sample.steering,
        sample.throttle,
        sample.brake,
        sample.speed,
    )


@pytest.fixture
def base(recording_factory):
    """A tiny simulator-format recording and its rows as (names, numbers)."""
    folder = recording_factory("base", rows=N_ROWS)
    rows = []
    for line in (folder / "driving_log.csv").read_text().splitlines():
        fields = [f.strip() for f in line.split(",")]
        rows.append(([Path(f).name for f in fields[:3]], fields[3:]))
    return folder, rows


def _variant(base_folder: Path, target: Path, data: bytes) -> Path:
    shutil.copytree(base_folder / "IMG", target / "IMG")
    (target / "driving_log.csv").write_bytes(data)
    return target


FORMATS = {
    "windows_backslash": lambda names, nums: ", ".join([f"C:\\Users\\me\\Desktop\\DATA\\IMG\\{n}" for n in names] + nums),
    "posix_no_space": lambda names, nums: ",".join([f"/home/me/data/IMG/{n}" for n in names] + nums),
    "relative": lambda names, nums: ", ".join([f"IMG/{n}" for n in names] + nums),
    "relative_backslash": lambda names, nums: ",".join([f"IMG\\{n}" for n in names] + nums),
}


@pytest.mark.parametrize("style", sorted(FORMATS))
@pytest.mark.parametrize("header", [False, True])
@pytest.mark.parametrize("crlf_bom_blank", [False, True])
def test_every_accepted_format_loads_the_same_samples(base, tmp_path, style, header, crlf_bom_blank):
    folder, rows = base
    expected = [_key(s) for s in load_recordings([folder]).samples]
    assert len(expected) == N_ROWS
    lines = [FORMATS[style](names, nums) for names, nums in rows]
    if header:
        lines.insert(0, "center,left,right,steering,throttle,brake,speed")
    if crlf_bom_blank:
        lines.insert(1, "")
        lines.append("   ")
        text = "\ufeff" + "\r\n".join(lines) + "\r\n"
    else:
        text = "\n".join(lines) + "\n"
    variant = _variant(folder, tmp_path / "variant", text.encode("utf-8"))
    result = load_recordings([variant])
    assert [_key(s) for s in result.samples] == expected
    assert result.problems == []
    assert result.rows_read == N_ROWS
    assert result.headers == int(header)


def test_header_may_reorder_columns(base, tmp_path):
    folder, rows = base
    expected = [_key(s) for s in load_recordings([folder]).samples]
    lines = ["speed,steering,throttle,brake,center,left,right"]
    for names, (steering, throttle, brake, speed) in rows:
        lines.append(",".join([speed, steering, throttle, brake] + [f"IMG/{n}" for n in names]))
    variant = _variant(folder, tmp_path / "reordered", ("\n".join(lines) + "\n").encode())
    assert [_key(s) for s in load_recordings([variant]).samples] == expected


def test_sessions_merge_and_stay_identifiable(recording_factory):
    a = recording_factory("a", rows=3, seed=1)
    b = recording_factory("b", rows=2, seed=2, side_cameras=False)
    result = load_recordings([a, b])
    assert [s.session for s in result.samples] == [str(a)] * 3 + [str(b)] * 2
    assert result.sessions == {str(a): 3, str(b): 2}
    assert [s.row for s in result.samples] == [1, 2, 3, 1, 2]
    assert not result.samples[-1].has_side_cameras and result.samples[0].has_side_cameras


@pytest.fixture
def corpus(recording_factory, tmp_path):
    """A log with one row per failure reason at a known line, in a folder with spaces and non-ASCII."""
    good = recording_factory("good", rows=3)
    folder = tmp_path / "bad logs ñé"
    shutil.copytree(good / "IMG", folder / "IMG")
    img = folder / "IMG"
    names = sorted(p.name for p in img.glob("center_*.jpg"))
    shutil.copy(img / names[0], img / "center spaced ñ ü.jpg")
    (img / "empty.jpg").write_bytes(b"")
    (img / "not_jpeg.jpg").write_text("this is not a JPEG")
    jpeg = bytearray((img / names[1]).read_bytes())
    scan = jpeg.index(b"\xff\xda") + 20  # past the header (its size is read without decoding)
    jpeg[scan:scan + 1600] = bytes(1600)  # valid start and end markers and header, corrupt scan data
    (img / "corrupt_middle.jpg").write_bytes(bytes(jpeg))

    def row(center, steering="0.1", speed="20", side=True):
        side_path = f"C:\\rec\\IMG\\{names[2]}" if side else ""
        return f"C:\\rec\\IMG\\{center}, {side_path}, {side_path}, {steering}, 0.5, 0, {speed}"

    lines = [
        row(names[0]),  # 1 good
        row(names[1]).rsplit(", ", 1)[0],  # 2 six fields
        row(names[1], steering="abc"),  # 3
        row(names[1], speed="nan"),  # 4
        row(names[1], steering="1.5"),  # 5
        row("center_2099_01_01_00_00_00_000.jpg"),  # 6 not in IMG/
        row("empty.jpg"),  # 7
        row("not_jpeg.jpg"),  # 8
        row(names[0]),  # 9 duplicate of row 1
        row(names[1], speed="0.05"),  # 10 stationary
        row("center spaced ñ ü.jpg", side=False),  # 11 good: spaces and non-ASCII, centre only
        "\x00\x01\x02garbage\xff",  # 12 binary
        row("corrupt_middle.jpg"),  # 13 undecodable only with a full decode
        row(names[2]),  # 14 good
    ]
    text = "\n".join(lines) + "\n" + row(names[2])[:30]  # 15 truncated, no newline
    (folder / "driving_log.csv").write_bytes(text.encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    return folder


EXPECTED = [
    (2, "wrong_column_count"),
    (3, "not_a_number"),
    (4, "not_a_number"),
    (5, "steering_out_of_range"),
    (6, "missing_image"),
    (7, "empty_image"),
    (8, "undecodable_image"),
    (9, "duplicate_row"),
    (10, "stationary"),
    (12, "binary_data"),
    (13, "undecodable_image"),
    (15, "truncated_row"),
]


def test_malformed_corpus_names_file_row_and_reason(corpus):
    result = load_recordings([corpus], LoadConfig(decode_images=True))
    assert [(p.row, p.reason) for p in result.problems] == EXPECTED
    assert all(p.log_file == corpus / "driving_log.csv" for p in result.problems)
    assert [s.row for s in result.samples] == [1, 11, 14]
    assert result.samples[1].center.name == "center spaced ñ ü.jpg"
    assert result.samples[1].left is None
    assert result.rows_read == 15
    assert str(result.problems[0]).startswith(f"{corpus / 'driving_log.csv'}:2: wrong_column_count")
    assert "steering" in result.problems[1].detail and "speed" in result.problems[2].detail


def test_cheap_image_check_misses_only_corrupt_scan_data(corpus):
    result = load_recordings([corpus], LoadConfig(decode_images=False))
    assert [(p.row, p.reason) for p in result.problems] == [e for e in EXPECTED if e[0] != 13]
    assert 13 in [s.row for s in result.samples]


def test_filters_can_be_turned_off(corpus):
    result = load_recordings([corpus], LoadConfig(min_speed=0.0, drop_duplicates=False))
    assert {9, 10} <= {s.row for s in result.samples}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"center,left,right,steering,throttle,brake,speed\n", "has a header but no data rows"),
        (bytes(range(256)) * 4, "no usable row"),
        (b"\n\n  \n", "is empty"),
    ],
)
def test_unusable_log_is_a_one_line_error(tmp_path, content, message):
    folder = tmp_path / "rec"
    (folder / "IMG").mkdir(parents=True)
    (folder / "driving_log.csv").write_bytes(content)
    with pytest.raises(RecordingError, match=message) as caught:
        load_recordings([folder])
    assert "\n" not in str(caught.value) and "driving_log.csv" in str(caught.value)


def test_missing_folder_log_and_repeats_are_errors(tmp_path, recording_factory):
    with pytest.raises(RecordingError, match="no such folder"):
        load_recordings([tmp_path / "absent"])
    (tmp_path / "nolog").mkdir()
    with pytest.raises(RecordingError, match="no driving_log.csv"):
        load_recordings([tmp_path / "nolog"])
    rec = recording_factory("r", rows=2)
    with pytest.raises(RecordingError, match="given twice"):
        load_recordings([rec, rec.parent / "r" / "."])
    with pytest.raises(RecordingError, match="no recording folder"):
        load_recordings([])


def test_problem_and_config_reject_bad_values(tmp_path):
    with pytest.raises(ValueError, match="reason"):
        Problem(tmp_path, 1, "bogus", "")
    with pytest.raises(ValueError, match="row"):
        Problem(tmp_path, 0, "stationary", "")
    with pytest.raises(ValueError, match="min_speed"):
        LoadConfig(min_speed=-1.0)


def test_read_log_counts_blank_lines_and_header(tmp_path):
    log = tmp_path / "driving_log.csv"
    log.write_bytes(b"\xef\xbb\xbfcenter, left, right, steering, throttle, brake, speed\r\n\r\na,b,c,0,0,0,1\r\n")
    parsed = read_log(log)
    assert parsed.header and parsed.blank_lines == 1
    assert [(line.row, line.fields) for line in parsed.lines] == [(3, ("a", "b", "c", "0", "0", "0", "1"))]


def _checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_shared_user_windows_2023_loads_1100_rows_unchanged(shared_data):
    folder = shared_data / "user_windows_2023"
    before = _checksums(folder)
    result = load_recordings([folder])
    assert result.rows_read == 1100
    assert len(result.samples) + len(result.problems) == 1100
    assert set(result.dropped) <= {"stationary"}  # the car starts at standstill
    assert all(s.has_side_cameras for s in result.samples)
    assert _checksums(folder) == before


@pytest.mark.slow
def test_shared_user_windows_2020_flags_stationary_rows_at_the_end(shared_data):
    folder = shared_data / "user_windows_2020"
    result = load_recordings([folder], LoadConfig(decode_images=True))
    assert result.rows_read == 300
    stationary = [p.row for p in result.problems if p.reason == "stationary"]
    assert 95 <= len(stationary) <= 110
    assert min(stationary) >= 190  # all in the stop at the end (0-based 196 = line 197)
    assert len(result.samples) == 300 - len(result.problems)


def test_image_linking_outside_img_is_a_reason_and_is_not_read(recording_factory, tmp_path):
    folder = recording_factory("linked", rows=3)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-BYTES")
    centre = sorted((folder / "IMG").glob("center_*.jpg"))[1]  # row 2's centre image
    centre.unlink()
    centre.symlink_to(secret)
    result = load_recordings([folder], LoadConfig(decode_images=True))
    assert [(p.row, p.reason) for p in result.problems] == [(2, "image_outside_recording")]
    assert [s.row for s in result.samples] == [1, 3]
    assert "SECRET" not in str(result.problems[0]) and "53454352" not in str(result.problems[0])


def test_over_long_field_drops_only_its_row(recording_factory):
    folder = recording_factory("long", rows=3)
    log = folder / "driving_log.csv"
    lines = log.read_text().splitlines()
    lines[1] = lines[1].replace(", ", ", " + "x" * 200_000 + ", ", 1)  # over csv.field_size_limit()
    log.write_text("\n".join(lines) + "\n")
    result = load_recordings([folder])
    assert [(p.row, p.reason) for p in result.problems] == [(2, "field_too_long")]
    assert "x" * 100 not in result.problems[0].detail
    assert [s.row for s in result.samples] == [1, 3] and result.rows_read == 3


def test_frames_of_another_size_and_jpegs_that_decode_with_errors_are_dropped(recording_factory, capfd):
    folder = recording_factory("rec", rows=8)
    big, cut = spoil_frames(folder)
    result = load_recordings([folder])
    assert result.dropped == {"wrong_image_size": 1, "undecodable_image": 1}
    details = {p.reason: p.detail for p in result.problems}
    assert big in details["wrong_image_size"] and "640x480" in details["wrong_image_size"]
    assert cut in details["undecodable_image"] and "Corrupt JPEG data" in details["undecodable_image"]
    assert "Corrupt JPEG" not in capfd.readouterr().err  # detected, not printed by libjpeg
    cheap = load_recordings([folder], LoadConfig(decode_images=False))  # the size is in the header
    assert cheap.dropped == {"wrong_image_size": 1}
