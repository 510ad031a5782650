"""Chinese output is right on a machine without any CJK system font.

This machine has fonts-noto-cjk installed, so each test renders in a subprocess whose fontconfig
sees only DejaVu (what a bare Debian has) and whose matplotlib cache is empty. The reports must
then embed the fonts shipped with the package and still carry their Chinese text.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from eco311.core import fonts

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
SYSTEM_CJK = Path("/usr/share/fonts/opentype/noto")

pytestmark = pytest.mark.skipif(not DEJAVU.is_dir(), reason="needs Debian's fonts-dejavu-core")

# Run in the child: renders the evaluation report and the ranking PDF, draws a chart with a
# Chinese label, and reports what it produced and which font files matplotlib chose.
CHILD = textwrap.dedent(
    r"""
    import json, sys, warnings
    from pathlib import Path
    from types import SimpleNamespace

    import django
    django.setup()
    from django.utils.translation import override

    out = Path(sys.argv[1])
    result = {}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from matplotlib import font_manager
        from eco311.reports import charts
        from eco311.reports.document import StatusCounts
        from eco311.reports.render import render
        from eco311.reports.sample import sample_report

        report = sample_report("zh", n_targets=12, seed=1)
        (out / "report.pdf").write_bytes(render(report, "pdf"))
        result["title"] = report.plan_title

        with override("zh-hans"):
            label = "目标数量（项）"
            counts = StatusCounts({"achieved": 3, "on_track": 2, "no_data": 1})
            svg = charts.to_svg(charts.status_figure(counts, label), "t")
        with __import__("matplotlib").rc_context(charts.RC):
            result["chart_font"] = font_manager.findfont(
                font_manager.FontProperties(family=[charts.RC["font.family"]])
            )
        result["svg_len"] = len(svg)

        from eco311.ranking.exports import list_pdf
        from eco311.ranking.models import RankingList

        ranking = RankingList(
            pk=1, year=2024, top_n=3, status="published", version=1,
            methodology_key="t", methodology_name_zh="生态环保产业百强", methodology_name_en="T",
            methodology_sha256="0" * 64,
        )
        entry = SimpleNamespace(
            rank=1, name="济南绿源环保科技有限公司", score=88.5, movement=None,
            rank_p05=None, rank_p95=None,
        )
        top = SimpleNamespace(
            groups=[("g", "创新能力")],
            rows=[SimpleNamespace(entry=entry, city="济南市", groups=[70.0], p_top=None)],
            has_band=False, has_p_top=False, has_previous=False,
        )
        with override("zh-hans"):
            (out / "ranking.pdf").write_bytes(list_pdf(ranking, top, []))
        result["ranking_name"] = entry.name

    result["warnings"] = [str(w.message) for w in caught]
    print(json.dumps(result, ensure_ascii=False))
    """
)


@pytest.fixture(scope="module")
def dejavu_only(tmp_path_factory):
    """Render in a child process that can see DejaVu and no other system font."""
    work = tmp_path_factory.mktemp("dejavu-only")
    conf = work / "fonts.conf"
    # Debian's own rules (conf.d) but one font directory: what a server with no CJK font sees.
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{work / 'fc-cache'}</cachedir>"
        '<include ignore_missing="yes">/etc/fonts/conf.d</include></fontconfig>\n'
    )
    env = dict(os.environ)
    env.update(
        FONTCONFIG_FILE=str(conf),
        MPLCONFIGDIR=str(work / "mpl"),
        DJANGO_SETTINGS_MODULE=env.get("DJANGO_SETTINGS_MODULE", "eco311.settings"),
    )
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(work)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    listing = subprocess.run(
        ["fc-list", ":", "file"], env=env, capture_output=True, text=True, check=True
    ).stdout
    return work, result, listing


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """BaseFont name -> whether the font program is embedded, over every page."""
    from pypdf import PdfReader

    found = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            font = ref.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                d = desc.get_object().get("/FontDescriptor")
                d = d.get_object() if d else {}
                embedded = any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(desc.get_object().get("/BaseFont", ""))] = embedded
    return found


def text_of(data: bytes) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    return "".join("".join((p.extract_text() or "").split()) for p in pages)


def test_the_child_sees_no_cjk_system_font(dejavu_only):
    _work, _result, listing = dejavu_only
    assert str(DEJAVU) in listing
    assert "noto" not in listing.lower(), listing


def test_the_report_embeds_the_shipped_font_and_keeps_its_chinese_text(dejavu_only):
    work, result, _listing = dejavu_only
    data = (work / "report.pdf").read_bytes()
    names = embedded_fonts(data)
    assert any("Noto-Sans-SC" in n and emb for n, emb in names.items()), names
    assert any("Noto-Serif-SC" in n and emb for n, emb in names.items()), names
    assert "".join(result["title"].split()) in text_of(data)


def test_the_ranking_pdf_embeds_the_shipped_font_and_keeps_its_chinese_text(dejavu_only):
    work, result, _listing = dejavu_only
    data = (work / "ranking.pdf").read_bytes()
    names = embedded_fonts(data)
    assert any("Noto-Sans-SC" in n and emb for n, emb in names.items()), names
    text = text_of(data)
    assert result["ranking_name"] in text
    assert "济南市" in text


def test_chart_labels_use_the_shipped_font_without_missing_glyphs(dejavu_only):
    _work, result, _listing = dejavu_only
    assert Path(result["chart_font"]) == fonts.SANS.path
    assert result["svg_len"] > 0
    missing = [w for w in result["warnings"] if "missing from font" in w.lower()]
    assert not missing, missing


def test_the_font_face_rules_name_the_shipped_files():
    css = fonts.font_face_css()
    for face in fonts.SHIPPED:
        assert face.path.is_file()
        assert f'font-family: "{face.css_family}"' in css
        assert face.path.as_uri() in css


def test_a_missing_font_file_is_a_clear_error(monkeypatch, tmp_path):
    gone = fonts.ShippedFont(tmp_path / "NotoSansSC-Regular.otf", "Noto Sans SC", "x", "sans-serif")
    monkeypatch.setattr(fonts, "SHIPPED", (gone, fonts.SERIF))
    with pytest.raises(FileNotFoundError, match="中文字体.*shipped CJK font"):
        fonts.font_face_css()


def test_fonts_module_imports_no_django():
    code = "import sys, eco311.core.fonts; print(any(m.startswith('django') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
