"""Month names in each language the kit writes: one list, for plans, calendars and adapted notebooks."""

from __future__ import annotations

__all__ = ["MONTH_NAMES"]

MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
}  # fmt: skip
