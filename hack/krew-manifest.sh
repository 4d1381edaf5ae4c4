#!/usr/bin/env bash
# Writes the krew plugin manifest of a release to stdout from goreleaser's checksums file.
#   hack/krew-manifest.sh VERSION CHECKSUMS [URL_BASE]
# URL_BASE defaults to the project's GitHub release download location for VERSION.
# plugins/cnv.yaml is this script's output for the current release.
set -euo pipefail
version=${1:?usage: hack/krew-manifest.sh VERSION CHECKSUMS [URL_BASE]}
checksums=${2:?usage: hack/krew-manifest.sh VERSION CHECKSUMS [URL_BASE]}
base=${3:-https://github.com/oc-cnv/oc-cnv/releases/download/$version}

sha() {
	local sum
	sum=$(awk -v f="$1" '$2 == f {print $1}' "$checksums")
	[[ -n $sum ]] || { echo "krew-manifest: $1 is not in $checksums" >&2; exit 1; }
	echo "$sum"
}

cat <<MANIFEST
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: cnv
spec:
  version: $version
  homepage: https://github.com/oc-cnv/oc-cnv
  shortDescription: Node maintenance and certificates for OpenShift Virtualization
  description: |
    Helps cluster administrators of OpenShift Virtualization (KubeVirt) with node
    maintenance and certificates. "kubectl cnv maintenance start NODE" shows what will
    happen to every VM on the node (live-migrate, restart elsewhere, or block the drain),
    creates the NodeMaintenance and follows the drain and the live migrations;
    "kubectl cnv certs check" shows the expiry and trust of every TLS certificate of the
    virtualization components and "kubectl cnv certs rotate" has their operators re-issue
    them, then verifies.
  caveats: |
    Maintenance needs the Node Maintenance Operator (or use --method=drain) and
    cluster-admin rights. Rotating certificates cancels running migrations and uploads
    and closes VNC and console connections.
  platforms:
MANIFEST
for os in linux darwin windows; do
	for arch in amd64 arm64; do
		ext=tar.gz bin=kubectl-cnv src=oc-cnv
		if [[ $os == windows ]]; then ext=zip bin=kubectl-cnv.exe src=oc-cnv.exe; fi
		archive=oc-cnv_${os}_${arch}.$ext
		cat <<PLATFORM
  - selector:
      matchLabels:
        os: $os
        arch: $arch
    uri: $base/$archive
    sha256: $(sha "$archive")
    files:
    - from: $src
      to: $bin
    - from: LICENSE
      to: .
    bin: $bin
PLATFORM
	done
done
