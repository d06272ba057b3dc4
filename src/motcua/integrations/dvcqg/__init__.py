"""The National Public Service Portal (DVCQG, contract §7): its field names and formats live here only."""
