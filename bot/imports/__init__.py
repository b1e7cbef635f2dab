"""Bringing deals in from other systems with their history (`oppbot import`): CSV in any common
encoding or .xlsx, oppbot's own columns or another CRM's export, every row checked first."""
