"""The financing plan and cash-flow forecast (plan de trésorerie): its pure core so far —
schedules of the financing sources, the monthly table, the critical period and the bridge loan.

Not yet a registered kind: its workbook (sheets, formulas, « Recalculer la trésorerie ») comes
next (issue 9).
"""
