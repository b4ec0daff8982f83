from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from .audit.admin import audit_admin_changes
from .forms import harden_admin_forms
from .glossary import glossary

# The admin signs in through allauth: its rate limits, email verification and MFA apply.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "PSO portal administration"
admin.site.site_title = "PSO portal admin"
# The app list beside every admin page took the width the change lists need at 1280 px.
admin.site.enable_nav_sidebar = False
harden_admin_forms(admin.site)
audit_admin_changes(admin.site)

# A database outage answers 503 with a "back in a moment" page; other errors the 500 page.
handler500 = "chpso_portal.outage.server_error"
handler400 = "chpso_portal.outage.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("chpso_portal.notifications.urls")),
    path("help/glossary/", glossary, name="glossary"),
    path("", include("cases.urls")),
    path("", include("collaboratives.urls")),
    path("", include("collaboratives.lessons.urls")),
    path("", include("collaboratives.feedback.urls")),
    path("", include("collaboratives.programmes.urls")),
    path("", include("collaboratives.measures.urls")),
    path("", include("collaboratives.pdsa.urls")),
    path("", include("collaboratives.office.urls")),
    path("", include("collaboratives.discussion.urls")),
    path("", include("actions.urls")),
    path("", include("members.urls")),
]
