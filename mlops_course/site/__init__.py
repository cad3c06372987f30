"""The course as a static web site: lessons, rendered notebooks, exercises, the capstone.

``make site`` runs ``python -m mlops_course.site``: it executes every lesson notebook
(``execute``; in the tests' fast setting unless ``--full-size``), lays the pages out in
a staging folder (``stage``), builds them with MkDocs and the Material theme, offline,
and checks every internal link (``links``).
"""
