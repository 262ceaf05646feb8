#!/usr/bin/env bash
# Vendor front-end assets from the npm registry into kedang/web/static/vendor/.
#
# Versions are pinned exactly in assets/package.json and locked in
# assets/package-lock.json; this script installs them with `npm ci` and copies
# only the built files the templates use, so the app works offline (no CDN).
#
# sourceMappingURL comments are stripped from the copied files: the .map files
# are not vendored, and WhiteNoise's CompressedManifestStaticFilesStorage
# (Django's manifest storage) fails collectstatic on a referenced file that is
# missing.
#
# Usage: bash assets/vendor.sh   (from anywhere; re-run after changing versions)
set -euo pipefail

ASSETS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$ASSETS_DIR")"
STATIC_DIR="$REPO_DIR/kedang/web/static"
DEST="$STATIC_DIR/vendor"
NM="$ASSETS_DIR/node_modules"

command -v npm >/dev/null || { echo "vendor.sh: npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "vendor.sh: node is required" >&2; exit 1; }

(cd "$ASSETS_DIR" && npm ci --no-audit --no-fund)

# Build into a staging dir next to the destination, then swap it in, so a
# failure part-way never leaves a half-populated vendor/ behind.
mkdir -p "$STATIC_DIR"
STAGE="$(mktemp -d "$STATIC_DIR/.vendor.tmp.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

# copy SRC (relative to node_modules) to DST (relative to vendor/)
put() {
  local src="$NM/$1" dst="$STAGE/$2"
  if [[ ! -f "$src" ]]; then
    echo "vendor.sh: missing $src" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst"
}

# bootstrap
put bootstrap/dist/css/bootstrap.min.css        bootstrap/css/bootstrap.min.css
put bootstrap/dist/js/bootstrap.bundle.min.js   bootstrap/js/bootstrap.bundle.min.js
put bootstrap/LICENSE                           bootstrap/LICENSE

# bootstrap-icons: the css refers to url("fonts/bootstrap-icons.woff2?..."),
# so fonts/ must sit beside the css file.
put bootstrap-icons/font/bootstrap-icons.min.css      bootstrap-icons/bootstrap-icons.min.css
put bootstrap-icons/font/fonts/bootstrap-icons.woff   bootstrap-icons/fonts/bootstrap-icons.woff
put bootstrap-icons/font/fonts/bootstrap-icons.woff2  bootstrap-icons/fonts/bootstrap-icons.woff2
put bootstrap-icons/LICENSE                           bootstrap-icons/LICENSE

# htmx
put htmx.org/dist/htmx.min.js  htmx/htmx.min.js
put htmx.org/LICENSE           htmx/LICENSE

# echarts (Apache-2.0: ship LICENSE and NOTICE with it)
put echarts/dist/echarts.min.js  echarts/echarts.min.js
put echarts/LICENSE              echarts/LICENSE
put echarts/NOTICE               echarts/NOTICE

# Strip source-map comments (whole-line `//# sourceMappingURL=...` in JS and
# `/*# sourceMappingURL=... */` in CSS; also the legacy `//@` form).
while IFS= read -r -d '' f; do
  sed -i -E \
    -e '/^[[:space:]]*\/\/[#@][[:space:]]*sourceMappingURL=[^[:space:]]*[[:space:]]*$/d' \
    -e '/^[[:space:]]*\/\*[#@][[:space:]]*sourceMappingURL=[^[:space:]]*[[:space:]]*\*\/[[:space:]]*$/d' \
    "$f"
done < <(find "$STAGE" -type f \( -name '*.js' -o -name '*.css' \) -print0)

if grep -rl --include='*.js' --include='*.css' 'sourceMappingURL=' "$STAGE" >&2; then
  echo "vendor.sh: sourceMappingURL comments left in the files above" >&2
  exit 1
fi

# VERSIONS.txt: the version actually installed, read from each package.json.
{
  echo "# Vendored by assets/vendor.sh from the npm registry (see assets/package-lock.json)."
  for pkg in bootstrap bootstrap-icons htmx.org echarts; do
    node -e 'const p = require(process.argv[1]); console.log(p.name + "@" + p.version)' \
      "$NM/$pkg/package.json"
  done
} > "$STAGE/VERSIONS.txt"

chmod -R u=rwX,go=rX "$STAGE"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
trap - EXIT

echo "vendor.sh: vendored into ${DEST#"$REPO_DIR"/}:"
(cd "$DEST" && find . -type f | sed 's#^\./##' | sort)
