#!/usr/bin/env bash
# Builds the test cluster from Go modules: kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd and kwok, as one multi-call binary (hack/kube-testenv/main.go) with a link per role,
# laid out where io.fabric8:kube-api-test looks for binaries:
#   $KUBE_API_TEST_DIR/k8s/<version>-<os>-<arch>/{kube-apiserver,etcd,kubectl,...}
# Idempotent: when the binary there was built from the same go.mod, go.sum, main.go and flags, it
# does nothing. The pinned versions live in hack/kube-testenv/go.mod, nowhere else.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/kube-testenv"
started=$SECONDS

say() { printf '[kube-testenv %4ss] %s\n' "$((SECONDS - started))" "$*"; }
die() { printf 'kube-testenv: error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "Go is not installed or not on PATH. Install Go 1.26 or newer (https://go.dev/doc/install) and run this again."
need_go=$(awk '/^go [0-9]/{print $2; exit}' "$src/go.mod")
have_go=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need_go" "$have_go" | sort -V | head -1)" != "$need_go" ]; then
  die "Go $have_go is too old: hack/kube-testenv/go.mod needs Go $need_go or newer."
fi

kube_tag=$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' "$src/go.mod")
etcd_tag=$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' "$src/go.mod")
kwok_tag=$(awk '$1=="sigs.k8s.io/kwok"{print $2; exit}' "$src/go.mod")
[ -n "$kube_tag" ] && [ -n "$etcd_tag" ] && [ -n "$kwok_tag" ] || die "cannot read pinned versions from $src/go.mod"
kube_version=${kube_tag#v}
minor=$(echo "$kube_version" | cut -d. -f2)
os=$(go env GOOS)
arch=$(go env GOARCH)
root=${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}
out="$root/k8s/$kube_version-$os-$arch"

# component-base/version feeds /version and every component's --version; client-go's feeds kubectl.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$kube_tag -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags="$ldflags -X $pkg.gitCommit=$kube_tag -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

stamp=$( (cat "$src/go.mod" "$src/go.sum" "$src/main.go"; echo "$ldflags"; go env GOVERSION) | sha256sum | cut -c1-16)
if [ -x "$out/kube-testenv" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
  say "up to date: Kubernetes $kube_tag, etcd $etcd_tag, kwok $kwok_tag in $out"
  exit 0
fi

say "building Kubernetes $kube_tag (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl), etcd $etcd_tag, kwok $kwok_tag"
say "into $out; a cold build takes about 6 minutes on 2 cores (more on a busy machine), later ones seconds"
mkdir -p "$out"
cd "$src"

say "downloading Go modules"
go mod download 2>&1 | sed 's/^/  /'
say "modules ready"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# go build prints each package it compiles with -v; count them as progress instead of flooding the log.
set +e
go build -v -trimpath -buildvcs=false -ldflags "$ldflags" -o "$out/kube-testenv.new" . 2>&1 \
  | tee "$log" \
  | awk -v start="$SECONDS" 'BEGIN{n=0} {n++; if (n % 250 == 0) {printf "[kube-testenv] compiled %d packages\n", n; fflush()}}'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "kube-testenv: error: go build failed (exit $rc); the compiler said:" >&2
  grep -vE '^[a-zA-Z0-9_.~/-]+$' "$log" | tail -40 >&2
  exit 1
fi
mv "$out/kube-testenv.new" "$out/kube-testenv"
say "linked $(du -h "$out/kube-testenv" | cut -f1) binary"

for role in kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok kwok-stages; do
  ln -sfn kube-testenv "$out/$role"
done
"$out/kwok-stages" > "$out/kwok-stages.yaml"

# Check that each role answers and reports the pinned release, so a wrong link fails here, not in a test.
# (Output is captured first: grep -q closing the pipe early would fail the check under pipefail.)
v=$("$out/kube-apiserver" --version); [[ "$v" == *"Kubernetes $kube_tag"* ]] || die "kube-apiserver reports '$v', not $kube_tag"
v=$("$out/kubectl" version --client); [[ "$v" == *"Client Version: $kube_tag"* ]] || die "kubectl reports '$v', not $kube_tag"
v=$("$out/etcd" --version); [[ "$v" == *"etcd Version: ${etcd_tag#v}"* ]] || die "etcd reports '$v', not ${etcd_tag#v}"
v=$("$out/kwok" --help 2>&1); [[ "$v" == *"manage-nodes-with-annotation-selector"* ]] || die "kwok does not answer --help: '$v'"
grep -q 'kind: Stage' "$out/kwok-stages.yaml" || die "kwok stages were not written"

echo "$stamp" > "$out/.stamp"
say "done: $("$out/kube-apiserver" --version), etcd ${etcd_tag#v}, kwok $kwok_tag"
say "disk: binaries $(du -sh "$out" | cut -f1), Go module cache $(du -sh "$(go env GOMODCACHE)" 2>/dev/null | cut -f1), Go build cache $(du -sh "$(go env GOCACHE)" 2>/dev/null | cut -f1)"
