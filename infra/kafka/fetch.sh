#!/usr/bin/env bash
# Fetches the pinned Kafka broker jars from Maven Central into infra/kafka/libs (cached).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
libs="${VEXFS_KAFKA_LIBS:-$here/libs}"
if [ -f "$libs/.complete" ]; then echo "$libs"; exit 0; fi
mkdir -p "$libs"
mvn -q -B -f "$here/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$libs" >&2
touch "$libs/.complete"
echo "$libs"
