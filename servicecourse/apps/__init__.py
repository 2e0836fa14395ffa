"""The Voila apps: the role-play, the HR dashboard and the trainer debrief, thin views."""
