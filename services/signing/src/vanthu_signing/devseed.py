"""DEVELOPMENT ONLY: bind demo users to the development PKI's keys so that ``make dev`` can sign.

The leader ``lanhdao.ubnd`` of Ủy ban nhân dân tỉnh Vĩnh Long gets the dev ``personal`` key and a drawn blue
signature (bound to their subject, read from the dev issuer's users file, ``VANTHU_SIGNING_USERS_FILE``); the agency
``000.00.00.H61`` gets the dev ``agency`` key and a drawn red seal. Profiles that already exist are left alone; a
profile of the leader made before profiles were bound to subjects is bound to the leader's subject.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from PIL import Image, ImageDraw

from vanthu_core.errors import FailedPrecondition
from vanthu_signing.people import subjects_by_username
from vanthu_signing.settings import SigningSettings
from vanthu_signing.store import AGENCY, PERSONAL, SigningStore

log = logging.getLogger("vanthu.signing")
DEV_AGENCY = "000.00.00.H61"
DEV_LEADER = "lanhdao.ubnd"
ACTOR = "dev-seed"


def signature_png() -> bytes:
    """A blue handwritten-looking stroke on a transparent background."""
    img = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(20, 150), (100, 40), (160, 160), (240, 50), (380, 120)], fill=(20, 40, 200, 255),
                             width=8)
    return _png(img)


def seal_png() -> bytes:
    """A red round seal outline on a transparent background."""
    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((4, 4, 396, 396), outline=(220, 0, 0, 255), width=10)
    draw.ellipse((40, 40, 360, 360), outline=(220, 0, 0, 255), width=4)
    draw.regular_polygon((200, 200, 60), 5, fill=(220, 0, 0, 255))
    return _png(img)


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


async def bind_dev_profiles(store: SigningStore, settings: SigningSettings) -> None:
    leader = subjects_by_username(Path(settings.users_file)).get(DEV_LEADER) if settings.users_file else None
    wanted = [(AGENCY, "", "", settings.agency_key_label, seal_png)]
    if leader:
        wanted.insert(0, (PERSONAL, leader, DEV_LEADER, settings.personal_key_label, signature_png))
    else:
        log.warning("DEVELOPMENT personal profile not bound: %s has no subject (VANTHU_SIGNING_USERS_FILE is %r)",
                    DEV_LEADER, settings.users_file)
    for kind, subject, username, label, image in wanted:
        try:
            await store.profile(DEV_AGENCY, kind, subject=subject)
            continue
        except FailedPrecondition:
            pass
        await store.put_profile(agency_code=DEV_AGENCY, kind=kind, subject=subject, username=username, key_label=label,
                                certificate=None, image=image(), actor=ACTOR)
        log.warning("DEVELOPMENT profile bound: %s %s of %s -> key %r", kind, username or "(agency)", DEV_AGENCY,
                    label)
