"""Workbook I/O: the only place where xlprod reads or writes .xlsx files or talks to Excel."""
