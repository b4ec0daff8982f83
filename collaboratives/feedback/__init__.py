"""Measurement that teams look at: each team's charts, comparative feedback across teams
(funnel plots through disclosure control) and positive deviance. An app of its own (label
"feedback") so its tables migrate apart from the collaboratives' own."""
