from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="bare/login.html"),
         name="login"),
    path("rows/", views.rows, name="rows"),
]
