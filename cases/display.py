"""How case data is shown: masking rules shared by screens, prints and exports."""

from django.utils.translation import gettext as _

MASK = "＊＊＊（住所秘匿）＊＊＊"


def person_address(person, *, revealed: bool = False) -> str:
    """A flagged person's address is masked unless explicitly revealed (and logged)."""
    if person.address_confidential and not revealed:
        return MASK
    return person.address or _("（未登録）")
