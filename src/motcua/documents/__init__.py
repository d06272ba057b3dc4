"""Documents printed from the system: the official forms 01-06 of Thông tư 01/2018/TT-VPCP as PDF (and
the log book, Form 06, as XLSX), each with the QR code of Thông tư 01/2023/TT-VPCP (ADR 0011).

What a form says is decided in `motcua.dossiers.forms_data`; this app only lays it out. It sits above
dossiers and access, below api and the pages, which both call `responses`.
"""
