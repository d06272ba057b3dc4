"""Vietnamese date formats as the rest of motcua writes them (core.formatting): 02/12/2026, 07:30 02/12/2026.

Django's own "vi" formats spell dates out ("07:00 Ngày 02 tháng 12 năm 2026") and read only ISO dates; these
are what the admin shows and reads. Formats not named here stay Django's "vi" ones. An
`<input type="date">` needs ISO values: give such a widget `format="%Y-%m-%d"`.
"""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
