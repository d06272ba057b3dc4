"""The site, with the staff pages' links mounted as the lead will mount them (under the workspace's prefix)."""

from django.urls import include, path

from motcua.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

urlpatterns = [path("can-bo/", include("motcua.documents.urls")), *urlpatterns]
