"""Figures for managers, each an SQL aggregate (metrics): the daily, weekly and morning digests
(digests), reports and their charts (reports, charts), the CSV export (export) and the Home tab
(home)."""
