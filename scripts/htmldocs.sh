#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make htmldocs: Documentation/ to HTML in build/htmldocs with Debian's
# Sphinx and the kernel's kernel-doc extension.  Any Sphinx warning fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${S2MMU_CACHE:-$top/.cache}
ktools=$(sed -n 's/^S2MMU_KTOOLS := //p' "$cache/env.mk")
export S2MMU_KTOOLS=${ktools:-$cache/ktools}
out=$top/build/htmldocs
rm -rf "$out" "$top/build/doctrees"
sphinx-build -q -W --keep-going -b html -d "$top/build/doctrees" \
	"$top/Documentation" "$out"
echo "htmldocs: $out/index.html ($(find "$out" -name '*.html' | wc -l) pages)"
