"""Staff links to the printed forms; the lead mounts them under the workspace's prefix, for instance
`path("can-bo/", include("motcua.documents.urls"))`."""

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("ho-so/<str:code>/mau/<str:number>.pdf", views.dossier_form, name="dossier_form"),
    path("so-theo-doi/", views.logbook, name="logbook"),
]
