"""A CAPTCHA made here, with no outside service: a small sum drawn as a distorted PNG with Pillow.

The answer never travels to the browser: the session keeps a keyed digest of it, a nonce and the time it
was issued, and a check consumes it. The session is a cookie the client could send again, so each nonce is
also counted in the rate limiter's storage (shared by all nodes when that is redis://) and serves once.
Only an app under test (TESTING) also keeps the answer in the session, for tests to read; the check itself
is the same.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

from flask import current_app, session
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from webui.ratelimit import limiter

SESSION_KEY = "portal_captcha"
TEST_ANSWER_KEY = "portal_captcha_answer_for_tests"
LIFETIME_SECONDS = 600
WIDTH, HEIGHT = 180, 60


def new_challenge() -> bytes:
    """A new sum, remembered in the session; returns its picture as PNG."""
    left, right = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    answer = str(left + right)
    nonce = secrets.token_hex(8)
    session[SESSION_KEY] = {"nonce": nonce, "digest": _digest(nonce, answer), "issued": int(time.time())}
    if current_app.testing:
        session[TEST_ANSWER_KEY] = answer
    return _draw(f"{left} + {right} = ?")


def check_answer(given: str | None) -> bool:
    """True when `given` answers the session's current sum in time; the sum is used up either way."""
    challenge = session.pop(SESSION_KEY, None)
    session.pop(TEST_ANSWER_KEY, None)
    if not challenge or not given or time.time() - challenge.get("issued", 0) > LIFETIME_SECONDS:
        return False
    if limiter.storage.incr(f"captcha-used:{challenge['nonce']}", LIFETIME_SECONDS) > 1:
        return False
    return hmac.compare_digest(challenge["digest"], _digest(challenge["nonce"], given.strip()))


def _digest(nonce: str, answer: str) -> str:
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else current_app.secret_key
    return hmac.new(key, f"captcha:{nonce}:{answer}".encode(), hashlib.sha256).hexdigest()


def _draw(text: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 248, 245))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        points = [(secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)) for _ in range(2)]
        draw.line(points, fill=_colour(150, 210), width=1)
    x = 10
    for char in text:
        glyph = Image.new("RGBA", (34, 44), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 2), char, font=ImageFont.load_default(size=30), fill=_colour(20, 90))
        glyph = glyph.rotate(secrets.randbelow(41) - 20, resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (x, 6 + secrets.randbelow(9) - 4), glyph)
        x += 17 if char == " " else 22
    for _ in range(120):
        draw.point((secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)), fill=_colour(100, 200))
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _colour(low: int, high: int) -> tuple[int, int, int]:
    return tuple(low + secrets.randbelow(high - low) for _ in range(3))
