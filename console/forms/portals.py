"""The portal page's block form: the reason kept in the portal's history."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import StringField
from wtforms.validators import Length

from b24.registry import MAX_BLOCK_REASON
from console.forms import ConsoleForm, stripped


class BlockForm(ConsoleForm):
    reason = StringField(filters=[stripped], validators=[
        Length(max=MAX_BLOCK_REASON, message=lazy_gettext("Keep the reason to %(max)d characters."))])
