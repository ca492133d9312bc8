# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of s2mmu's Documentation/ (make htmldocs).  The
# kernel's own kernel-doc extension, from the extracted linux-source-6.1
# (S2MMU_KTOOLS), renders the kernel-doc of the uapi and engine headers.
import os
import sys

ktools = os.environ.get('S2MMU_KTOOLS')
if not ktools:
    sys.exit('conf.py: S2MMU_KTOOLS is not set (run make htmldocs)')
sys.path.insert(0, os.path.join(ktools, 'Documentation', 'sphinx'))

project = 's2mmu'
copyright = 'the s2mmu developers; GPL-2.0'
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(ktools, 'scripts', 'kernel-doc')
kerneldoc_srctree = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
master_doc = 'index'
exclude_patterns = ['_build']
html_theme = 'alabaster'
primary_domain = 'c'
highlight_language = 'none'
