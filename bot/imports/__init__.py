"""Bringing deals in from a spreadsheet (`oppbot import deals.csv`), all rows checked first."""
