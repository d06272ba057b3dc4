from django.urls import path

from . import counter, dossier, queue

app_name = "workspace"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("tiep-nhan/", counter.counter, name="counter"),
    path("ho-so/<str:code>/", dossier.dossier, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", dossier.act, name="dossier_action"),
    path("ho-so/<str:code>/tep/", dossier.attach, name="dossier_files"),
]
