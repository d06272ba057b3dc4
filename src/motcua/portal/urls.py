from django.urls import path

from . import personal, signin, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure_page, name="procedure"),
    path("tra-cuu-ho-so/", views.dossier_lookup, name="dossier_lookup"),
    # The national payment platform sends the payer back here (`?ref=MaThamChieu`): configured there.
    path("thanh-toan/ket-qua/", personal.payment_result, name="payment_result"),
    path("dang-nhap/", signin.sign_in, name="signin"),
    path("dang-xuat/", signin.sign_out, name="signout"),
]
