from django.urls import path

from . import views

urlpatterns = [
    path("", views.notification_list, name="notification-list"),
    path("read-all/", views.notification_read_all, name="notification-read-all"),
    path("email/", views.email_preferences, name="notification-preferences"),
    path("<uuid:public_id>/", views.notification_open, name="notification-open"),
]
