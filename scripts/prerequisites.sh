#!/usr/bin/env bash
# Installs the system packages the tests need on Debian or Ubuntu: Redis for the state store, Java
# and Maven for Kafka and OpenSearch from Maven Central, Prometheus and Alertmanager for the
# dashboards' queries and the on-call alerts, kcat to read topics by hand. Installs only what is
# missing, so a second run does nothing; the list is scripts/prerequisites.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

missing=()
while read -r command package; do
  [[ -z "$command" || "$command" == \#* ]] && continue
  command -v "$command" >/dev/null && continue
  [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
done < scripts/prerequisites.txt

if [ ${#missing[@]} -eq 0 ]; then
  echo "prerequisites: all present"
  exit 0
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "prerequisites: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
