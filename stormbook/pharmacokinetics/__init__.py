"""Anakinra's pharmacokinetics: the one-compartment model (`model`), the published figures it
is checked against (`checks`) and the chapter's concentration chart (`chart`)."""
