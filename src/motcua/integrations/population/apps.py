from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "motcua.integrations.population"
    label = "population"
    verbose_name = _("Cơ sở dữ liệu quốc gia về dân cư")
