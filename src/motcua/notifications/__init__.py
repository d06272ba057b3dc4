"""Notices to applicants (e-mail, SMS) about their dossiers, planned from the dossier changes the outbox
carries and sent by the outbox worker (ADR 0013)."""
