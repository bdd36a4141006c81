"""Pure core of xlprod: money, locations and issues. No file, Excel or network I/O here."""
