"""Draw mdtapp's icon (resources/icons/mdtapp-<size>.png): "MDT" over a visual analogue scale
with its mark, on NHS blue. Run once when the design changes; the PNGs are committed.

    python packaging/make_icon.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402 - the platform is chosen first
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)
BLUE, WHITE, RED = QColor("#005EB8"), QColor("#FFFFFF"), QColor("#DA291C")


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(BLUE)
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 44 * s, 44 * s)
    if size >= 32:
        font = QFont("DejaVu Sans")
        font.setBold(True)
        font.setPixelSize(max(1, round(88 * s)))
        p.setFont(font)
        p.setPen(WHITE)
        p.drawText(QRectF(0, 34 * s, 256 * s, 110 * s), Qt.AlignmentFlag.AlignCenter, "MDT")
    line = QPen(WHITE, max(1.0, 12 * s))
    line.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(line)
    y = (178 if size >= 32 else 128) * s
    p.drawLine(round(44 * s), round(y), round(212 * s), round(y))
    for x in (44, 212):  # the scale's end stops
        p.drawLine(round(x * s), round(y - 22 * s), round(x * s), round(y + 22 * s))
    mark = QPen(RED, max(1.5, 16 * s))
    mark.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(mark)
    p.drawLine(round(150 * s), round(y - 34 * s), round(150 * s), round(y + 34 * s))
    p.end()
    return image


def main() -> int:
    QGuiApplication(sys.argv[:1])
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(str(ICONS / f"mdtapp-{size}.png"))
    print(f"wrote {len(SIZES)} icons to {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
