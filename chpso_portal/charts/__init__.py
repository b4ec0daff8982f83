"""Charts: the statistics (engine, rules, funnel) and their SVG drawing.

Everything in this package is plain Python with no Django import, so that the views, the CSV
and PDF exports and the tests all compute a limit the same way: here, and nowhere else.
"""
