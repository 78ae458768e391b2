"""Reports for leaders: the daily report (日报), the weekly analysis (周分析) and the monthly bulletin (月度通报), each
an HTML page and an XLSX workbook with charts, gathered from the indicators and generated on demand or on schedule."""
