"""Every renderer and writer of a run: files, the HTML map and its what-if page, the offline basemap, the map
data, the PNG, the workbook, the PDF brief and the meeting pack.

Nothing here snaps, routes or reads OpenStreetMap: it is handed finished results
(:mod:`coverage.products`) and writes them.
"""
