#!/usr/bin/env bash
# Copies Istio's published CRDs (kubernetes/customresourcedefinitions.gen.yaml of the istio.io/api Go
# module) for each given module version into OUT_DIR/istio.io-api-<version>.yaml. Maven runs it in
# generate-resources and bundles OUT_DIR in the jar; no copy is ever committed.
#
# Usage: hack/istio-crds.sh OUT_DIR VERSION...   (e.g. v1.30.8)
# The Go module cache is used when warm (works with mvn -o); otherwise GOPROXY is asked, as for any
# Go module. Go itself is already required by the build (hack/kube-testenv.sh).
set -euo pipefail
out=${1:?usage: $0 OUT_DIR VERSION...}
shift
[ $# -gt 0 ] || { echo "istio-crds: no istio.io/api version given" >&2; exit 2; }
command -v go >/dev/null 2>&1 || { echo "istio-crds: Go is required to obtain Istio's CRDs (istio.io/api module); install Go 1.26+" >&2; exit 1; }
mkdir -p "$out"
# Outside any module and workspace, so that `go mod download` takes path@version as is.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for version in "$@"; do
  target="$out/istio.io-api-$version.yaml"
  [ -s "$target" ] && continue
  if ! json=$(cd "$scratch" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "istio.io/api@$version" 2>&1); then
    echo "istio-crds: cannot download istio.io/api@$version: $json" >&2
    exit 1
  fi
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  src="$dir/kubernetes/customresourcedefinitions.gen.yaml"
  [ -f "$src" ] || { echo "istio-crds: istio.io/api@$version has no kubernetes/customresourcedefinitions.gen.yaml (looked in ${dir:-?})" >&2; exit 1; }
  cp "$src" "$target.tmp"
  chmod u+w "$target.tmp"
  mv "$target.tmp" "$target"
  echo "istio-crds: istio.io/api@$version -> $target"
done
