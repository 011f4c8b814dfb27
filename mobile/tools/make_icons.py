"""Draw the PWA's PNG icons (the same picture as icons/icon.svg) with Pillow: python mobile/tools/make_icons.py."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "pwa" / "icons"
GREEN, GOLD, WHITE = (11, 110, 79, 255), (242, 193, 78, 255), (255, 255, 255, 255)


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    """The 512-unit drawing scaled to `size`; a maskable icon fills the square and keeps a safe zone."""
    scale = 4  # draw large, then downsample for smooth edges
    big = size * scale
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    unit = big / 512
    if maskable:
        d.rectangle((0, 0, big, big), fill=GREEN)
        inner, offset = 0.72, big * 0.14  # the 80% safe circle holds the whole motif
    else:
        d.rounded_rectangle((0, 0, big - 1, big - 1), radius=96 * unit, fill=GREEN)
        inner, offset = 1.0, 0.0

    def box(cx: float, cy: float, r: float) -> tuple[float, float, float, float]:
        k = unit * inner
        return (offset + (cx - r) * k, offset + (cy - r) * k, offset + (cx + r) * k, offset + (cy + r) * k)

    d.ellipse(box(256, 176, 56), fill=WHITE)
    d.ellipse(box(150, 300, 48), fill=GOLD)
    d.ellipse(box(362, 300, 48), fill=GOLD)
    k = unit * inner
    d.rounded_rectangle(
        (offset + 136 * k, offset + 360 * k, offset + 376 * k, offset + 400 * k), radius=20 * k, fill=WHITE
    )
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for size in (192, 512):
        draw(size).save(ICONS / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(ICONS / "maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
