"""The one reader of messy Chinese spreadsheets (XLSX, XLS, CSV, and the tables of a DOCX), used by
the 台账 importer (archive/ledgers) and the 问题清单 importer (archive/rectify). A kernel: it knows
no domain, only archive.config and archive.errors.

- read.py       what a file is (sniff), the Sheet every format gives, TableLimits, the guard wrapper
- xlsx.py, xlsx_rows.py   XLSX by streaming its sheet XML (values, formulas, dates, merged ranges)
- xls.py, csvfile.py, docxtable.py   XLS (xlrd), CSV/TSV (encodings, delimiters), DOCX tables
- guards.py     zip and XML guards (sizes, members, ratio, no DTD), shared with ingest
- grid.py       a sheet as a grid with merged cells resolved (header reading, fill-down), cell text
- header.py     the header finder: synonyms, minimum score, title rows, two-row headers as "上/下"
- rows.py       rows that are not data (小计/合计, notes, 栏次) and streamed fill-down of merged cells
- errors.py     TableFileError, the one refusal (the importers' errors subclass it)
"""
