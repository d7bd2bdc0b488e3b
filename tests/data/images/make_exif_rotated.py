#!/usr/bin/python3
"""Makes exif_rotated.jpg for tests/io/image_test.cpp (run once; the output is committed).

A 32x16 (width x height) JPEG, left half red and right half blue, whose EXIF Orientation tag is 6 ("rotate 90
clockwise to display"). The official pipeline (PIL Image.open(...).convert("RGB"), no ImageOps.exif_transpose)
reads it as stored: 32 wide, 16 high, red on the left. A decoder that applies the tag gives 16 x 32.
"""
import os

from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
img = Image.new("RGB", (32, 16), (255, 0, 0))
img.paste((0, 0, 255), (16, 0, 32, 16))
exif = Image.Exif()
exif[0x0112] = 6  # Orientation
out = os.path.join(here, "exif_rotated.jpg")
img.save(out, quality=95, exif=exif)
back = Image.open(out)
assert back.getexif().get(0x0112) == 6
rgb = back.convert("RGB")
print(out, rgb.size, "pixel (2, 8):", rgb.getpixel((2, 8)), "pixel (29, 8):", rgb.getpixel((29, 8)))
