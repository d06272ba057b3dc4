from django.urls import path

from . import signin, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure_page, name="procedure"),
    path("tra-cuu-ho-so/", views.dossier_lookup, name="dossier_lookup"),
    path("dang-nhap/", signin.sign_in, name="signin"),
    path("dang-xuat/", signin.sign_out, name="signout"),
]
