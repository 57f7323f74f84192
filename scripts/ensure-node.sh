# Sourced: puts Node 22 first on PATH, installing the npm registry's `node@22` package (which ships
# the binary) into the ignored .tools/ folder when the machine's node is older.
_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }
if [ "$(_major || echo 0)" -lt 22 ] 2>/dev/null || ! command -v node >/dev/null; then
  _tools="$(pwd)/.tools/node22"
  if [ ! -x "$_tools/node_modules/.bin/node" ]; then
    echo "ci: installing Node 22 into .tools/node22"
    # The package's preinstall fetches the binary; npm 11 runs install scripts quietly only when
    # allowScripts approves them.
    mkdir -p "$_tools"
    echo '{ "private": true, "allowScripts": { "node": true } }' >"$_tools/package.json"
    npm install --prefix "$_tools" --no-save --no-package-lock --no-audit --no-fund node@22 >/dev/null
  fi
  export PATH="$_tools/node_modules/.bin:$PATH"
fi
echo "ci: node $(node --version), npm $(npm --version)"
