"""Stage 6, reporting: the one tally of a run's verdicts, and everything made from it.

Owns the counts per target and family, the HTML and Markdown report, Gradescope's results. Imports:
the judge (verdict records, requirements) and what comes before it.
"""
