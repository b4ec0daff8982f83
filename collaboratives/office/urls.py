from django.urls import path

from . import views

urlpatterns = [
    path("learning/<uuid:public_id>/office/", views.lc_office, name="lc-office"),
    path("learning/<uuid:public_id>/office/announce/", views.lc_announce, name="lc-announce"),
    path("learning/resources/<uuid:public_id>/download/", views.lc_resource_download,
         name="lc-resource-download"),
    path("learning/resources/<uuid:public_id>/remove/", views.lc_resource_remove,
         name="lc-resource-remove"),
]
