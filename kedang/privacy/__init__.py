"""Privacy and audit (SPEC §10, R-G6, R-G7, R-G10): field encryption, masking, the access log, consent and
data-subject requests."""
