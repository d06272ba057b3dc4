from django.urls import path

from . import personal

app_name = "personal"
urlpatterns = [
    path("", personal.home, name="home"),
    path("ho-so/<str:code>/", personal.dossier, name="dossier"),
    path("ho-so/<str:code>/tep/<int:file_id>/", personal.dossier_file, name="dossier_file"),
    path("ho-so/<str:code>/bo-sung/tep/", personal.upload, name="upload"),
    path("ho-so/<str:code>/bo-sung/tep/<int:file_id>/xoa/", personal.remove, name="remove"),
    path("ho-so/<str:code>/bo-sung/", personal.supplement, name="supplement"),
    path("ho-so/<str:code>/rut/", personal.withdraw, name="withdraw"),
    path("ho-so/<str:code>/thanh-toan/", personal.pay, name="pay"),
    path("kho-du-lieu/", personal.data_warehouse, name="warehouse"),
    path("kho-du-lieu/<str:key>/", personal.paper_download, name="paper"),
]
