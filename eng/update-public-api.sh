#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to the project's
# PublicAPI.Unshipped.txt, and drops entries it reports as removed (RS0017). Review the diff: it is the
# public API change. (dotnet format does not apply this code fix from the command line.)
set -euo pipefail
project=${1:-src/SysV.Ipc/SysV.Ipc.csproj}
dir=$(dirname "$project")
log=$(mktemp)
dotnet build "$project" -nologo -p:TreatWarningsAsErrors=false >"$log" 2>&1 || true
grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" "$log" | sort -u >"$log.add" || true
grep -oP "RS0017: Symbol '\K.*(?=' is part of the declared API, but is either not public or could not be found)" "$log" | sort -u >"$log.del" || true
file="$dir/PublicAPI.Unshipped.txt"
{ head -n1 "$file"; { tail -n +2 "$file"; cat "$log.add"; } | grep -vxF -f "$log.del" | sort -u; } >"$file.new" || true
mv "$file.new" "$file"
echo "added $(wc -l <"$log.add"), removed $(wc -l <"$log.del") in $file"
rm -f "$log" "$log.add" "$log.del"
