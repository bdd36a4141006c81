"""The sector's shared reference, used by every workbook kind: the CNC chapters and chart of
accounts, and the payroll categories. Pure: packaged data, no workbook I/O."""
