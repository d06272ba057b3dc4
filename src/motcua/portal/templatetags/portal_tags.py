"""Site-wide template data for the public pages and anything that extends portal/base.html."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from motcua.portal.selectors import place_name, request_centre

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_site(context: template.Context) -> dict:
    """{'centre': Agency | None, 'place': 'tỉnh Nghệ An', 'name': 'Cổng dịch vụ công tỉnh Nghệ An'}.

    Read from the directory (the first service centre), so no province is written into a template.
    """
    centre = request_centre(context.get("request"))
    place = place_name(centre)
    name = _("Cổng dịch vụ công %(place)s") % {"place": place} if place else _("Cổng dịch vụ công")
    return {"centre": centre, "place": place, "name": name}
