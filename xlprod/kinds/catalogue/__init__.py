"""The catalogue of works (issue 11): identifiers, rights and availability, producer's net
receipts. These modules are the pure rules; the workbook kind that uses them comes next.
"""
