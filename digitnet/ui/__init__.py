"""The pages' own code: what they say, the charts and the widgets. Only app.py and pages/ import it."""
