from django import template

from members.adapters import INVITATION_SESSION_KEY
from members.models import Invitation

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_invitation(context):
    """The invitation this visitor arrived with (its token is kept in the session between the
    invitation link and the sign-up form), if it is still open."""
    request = context.get("request")
    token = request.session.get(INVITATION_SESSION_KEY) if request is not None else None
    if not token:
        return None
    invitation = Invitation.objects.by_token(token).select_related("hospital").first()
    return invitation if invitation is not None and invitation.status == "pending" else None
