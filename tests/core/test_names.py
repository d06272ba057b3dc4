from django.contrib.auth import get_user_model

from motcua.core.names import full_name, given_name


def test_family_name_first():
    user = get_user_model()(username="tiepnhan", first_name="Lan", last_name="Trần Thị")
    assert full_name(user) == "Trần Thị Lan"
    assert given_name(user) == "Lan"


def test_without_names_the_username_and_without_user_nothing():
    assert full_name(get_user_model()(username="tn2")) == "tn2"
    assert full_name(None) == ""
