"""Each team's PDSA log, faculty comments, private coaching notes and spread."""
