"""`shopfloor decode IMAGE...`: one JSON line per image, errors included, exit 1 if any."""

from __future__ import annotations

import json

import pytest

import shopfloor_cli
from edge.devices.camera.simulator import code_frame, compose_frame, png_bytes


@pytest.fixture
def images(tmp_path):
    """A GS1 DataMatrix, an EAN-13, an empty shelf and a file that is no image."""
    paths = {
        "dm": tmp_path / "dm.png",
        "ean": tmp_path / "ean.png",
        "empty": tmp_path / "empty.png",
        "junk": tmp_path / "junk.png",
    }
    paths["dm"].write_bytes(
        png_bytes(code_frame("(01)09501101530003(17)261231(10)AB12", "DATA_MATRIX", gs1=True))
    )
    paths["ean"].write_bytes(png_bytes(code_frame("5901234123457", "EAN_13")))
    paths["empty"].write_bytes(png_bytes(compose_frame()))
    paths["junk"].write_bytes(b"this is not an image")
    return {key: str(path) for key, path in paths.items()}


def run(capsys, *args: str) -> tuple[int, list[dict]]:
    code = shopfloor_cli.main(["decode", *args])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_each_image_gives_one_json_line_with_its_codes(capsys, images):
    code, lines = run(capsys, images["dm"], images["ean"], images["empty"])
    assert code == 0
    assert lines == [
        {
            "file": images["dm"],
            "codes": [
                {
                    "format": "DATA_MATRIX",
                    "text": "01095011015300031726123110AB12",
                    "gs1": True,
                    "hri": "(01)09501101530003(17)261231(10)AB12",
                }
            ],
        },
        {
            "file": images["ean"],
            "codes": [
                {"format": "EAN_13", "text": "5901234123457", "gs1": False, "hri": "5901234123457"}
            ],
        },
        {"file": images["empty"], "codes": []},
    ]


def test_an_unreadable_file_gives_an_error_object_and_the_command_goes_on(capsys, images, tmp_path):
    missing = str(tmp_path / "missing.png")
    code, lines = run(capsys, images["junk"], missing, images["ean"])
    assert code == 1
    assert lines[0]["file"] == images["junk"] and "not a readable image" in lines[0]["error"]
    assert lines[1]["file"] == missing and "cannot read" in lines[1]["error"]
    assert lines[2]["codes"][0]["text"] == "5901234123457"


def test_formats_restrict_what_is_reported(capsys, images):
    code, lines = run(capsys, "--formats", "retail", images["dm"], images["ean"])
    assert code == 0
    assert [len(line["codes"]) for line in lines] == [0, 1]


def test_the_zbar_engine_reads_the_ean(capsys, images):
    code, lines = run(capsys, "--engine", "zbar", images["ean"])
    assert code == 0
    assert lines[0]["codes"][0]["format"] == "EAN_13"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--formats", "EAN13"], "unknown format EAN13"),
        (["--engine", "zbar", "--formats", "pharmacy"], "pyzbar cannot decode DATA_MATRIX"),
        (["--roi", "1,2,3"], "shopfloor decode:"),
        (["--roi=-1,0,10,10"], "x, y must be >= 0"),
    ],
)
def test_bad_options_are_refused_with_a_reason(capsys, images, args, message):
    assert shopfloor_cli.main(["decode", *args, images["ean"]]) == 2
    assert message in capsys.readouterr().err


def test_camera_sim_shows_a_code_to_a_camera_folder_after_its_last_frame(capsys, tmp_path):
    folder = tmp_path / "cam"
    for _ in range(2):
        assert shopfloor_cli.main(["camera-sim", "5901234123457", "--folder", str(folder)]) == 0
    frames = [json.loads(line)["frame"] for line in capsys.readouterr().out.splitlines()]
    assert [p.rsplit("/", 1)[1] for p in frames] == ["frame-000001.png", "frame-000002.png"]
    code, lines = run(capsys, *frames)
    assert [line["codes"][0]["text"] for line in lines] == ["5901234123457"] * 2


def test_camera_sim_writes_a_gs1_datamatrix_for_decode(capsys, tmp_path):
    out = str(tmp_path / "dm.png")
    args = ["--out", out, "--format", "DATA_MATRIX", "--gs1", "--rotate", "30"]
    assert shopfloor_cli.main(["camera-sim", "(01)09501101530003(10)LOT1", *args]) == 0
    capsys.readouterr()
    code, [line] = run(capsys, out)
    assert line["codes"][0]["hri"] == "(01)09501101530003(10)LOT1"


def test_camera_sim_refuses_content_its_format_cannot_hold(capsys, tmp_path):
    out = str(tmp_path / "x.png")
    assert shopfloor_cli.main(["camera-sim", "not-digits", "--out", out]) == 2
    assert "EAN_13 'not-digits'" in capsys.readouterr().err
