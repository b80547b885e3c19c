"""The body-map drawing (resources/bodymap.toml): shapes per mRSS area, for the UI and the PDF.

An area of forms/mrss.toml that the drawing has no shape for (one added by a forms change) is
not lost: it is listed in a row of labelled boxes under the figure, scored and clicked like the
others, until someone draws it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from mdtapp.domain.forms import FormsError, MrssDefinition
from mdtapp.paths import resources_dir

LISTED_CELL, LISTED_ROW = 110.0, 26.0  # a listed area's box and its label, in canvas units


@dataclass(frozen=True)
class Shape:
    kind: str  # rect | ellipse
    x: float
    y: float
    w: float
    h: float

    def contains(self, px: float, py: float) -> bool:
        if self.kind == "ellipse":
            rx, ry = self.w / 2, self.h / 2
            cx, cy = self.x + rx, self.y + ry
            return ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 <= 1
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h


@dataclass(frozen=True)
class BodyMap:
    width: float
    height: float
    areas: dict[str, tuple[Shape, ...]]
    outline: tuple[Shape, ...]
    labels: dict[str, tuple[float, float]]
    listed: tuple[str, ...] = ()  # areas with no drawing: boxes under the figure, labelled

    def area_at(self, x: float, y: float) -> str | None:
        for key, shapes in self.areas.items():
            if any(s.contains(x, y) for s in shapes):
                return key
        return None


def _shape(item: dict[str, list[float]], where: str) -> Shape:
    for kind in ("rect", "ellipse"):
        if kind in item:
            x, y, w, h = (float(v) for v in item[kind])
            return Shape(kind, x, y, w, h)
    raise FormsError(f"resources/bodymap.toml: {where}: expected rect or ellipse")


@lru_cache(maxsize=1)
def body_map(mrss: MrssDefinition) -> BodyMap:
    with (resources_dir() / "bodymap.toml").open("rb") as f:
        data = tomllib.load(f)
    areas = {
        key: tuple(_shape(s, f"area.{key}") for s in shapes) for key, shapes in data["area"].items()
    }
    extra = set(areas) - set(mrss.area_keys)
    if extra:  # a typo here would leave an area uncoloured
        raise FormsError(f"resources/bodymap.toml: areas not in forms/mrss.toml: {sorted(extra)}")
    width, height = float(data["width"]), float(data["height"])
    listed = tuple(k for k in mrss.area_keys if k not in areas)
    per_row = max(1, int(width // LISTED_CELL))
    for i, key in enumerate(listed):
        x = 8 + (i % per_row) * LISTED_CELL
        y = height + 6 + (i // per_row) * LISTED_ROW
        areas[key] = (Shape("rect", x, y, 26, 20),)
    if listed:
        height += 10 + LISTED_ROW * ((len(listed) + per_row - 1) // per_row)
    outline = tuple(_shape(s, "outline") for s in data["outline"]["shapes"])
    labels = {k: (float(v[0]), float(v[1])) for k, v in data["labels"].items()}
    return BodyMap(width, height, areas, outline, labels, listed)
