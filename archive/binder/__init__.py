"""Bound volumes (案卷, GB/T 9705-2008): the binder an inspector pages through.

A build reads top to bottom:
1. renditions/    every document as a PDF (cached by the original's sha256): PDF as is (repaired),
                  DOCX/XLSX through LibreOffice headless in batches, images at their real size, TXT by
                  WeasyPrint. A document that cannot be rendered fails the build by name.
2. stamp.py       the 归档章 (filing stamp) drawn top-centre on a filed document's first page.
3. frontmatter.py 封面, 卷内文件目录, 卷内备考表 and 卷脊 from templates/print/volume.html, one WeasyPrint pass.
4. pdfops.py      overlays, stamped page numbers, merge, bookmarks (pdfbox.py: page geometry, /Rotate,
                  CropBox; pdffonts.py: which fonts are not embedded).
5. compose.py     puts the parts together in order and records the layout (each document's pages).
6. verify/        reads the finished PDF back: 页号 in the table of contents, continuous numbers,
                  embedded fonts, `qpdf --check`. A failed check fails the build.
service.py holds the volumes themselves (what is bound, by whom, its state); records.py records the
volumes other domains pick the documents of (一户一档, 整改佐证材料汇编); start_build queues the
"volume_build" job (archive/tasks.py), whose runner is build.run_volume_job.
"""
