#!/usr/bin/env bash
# The local test cluster of oc-cnv: a real Kubernetes control plane (kube-apiserver, etcd,
# kube-controller-manager, kube-scheduler), kwok fake kubelets, the real medik8s Node Maintenance
# Operator, KubeVirt's real virt-api, and the project's KubeVirt simulator. See docs/development.md.
#
#   hack/cluster.sh build                       build and cache every component (first time only)
#   hack/cluster.sh up [--nm-api=API]           start the cluster (idempotent)
#   hack/cluster.sh down                        stop everything this script started
#   hack/cluster.sh kubeconfig                  print the path of the cluster's kubeconfig
#   hack/cluster.sh kubectl                     print the path of the kubectl built with it
#   hack/cluster.sh status                      show what runs
#   hack/cluster.sh logs [LINES]                status, then the last LINES (default 60) of the
#                                               simulator's and the operator's logs
#   hack/cluster.sh operator stop|start         stop the Node Maintenance Operator, leaving its
#                                               webhook registered (as a Deployment scaled to 0
#                                               does), or start it again and wait for its webhook
#   hack/cluster.sh virt-api stop|start         stop KubeVirt's virt-api process, leaving its
#                                               webhooks registered (fail closed, as with no
#                                               virt-api pod), or start it again and wait for it
#
# --nm-api chooses which NodeMaintenance API the cluster serves:
#   medik8s   nodemaintenance.medik8s.io/v1beta1 with the real operator (default)
#   medik8s-crd  the medik8s CRD without the operator (benchmarks; nothing acts on the objects)
#   kubevirt  nodemaintenance.kubevirt.io/v1beta1 CRD only (the older operator's API)
#   v1alpha1  kubevirt.io/v1alpha1 CRD only (the API of the product docs' example)
#   none      no NodeMaintenance API at all
#
# Environment: OC_CNV_CLUSTER (cluster name, default oc-cnv; use another name for a second
# cluster), NODES (worker nodes, default 3), OC_CNV_CACHE (cache directory, default
# ${XDG_CACHE_HOME:-~/.cache}/oc-cnv), CNV_NAMESPACE (default openshift-cnv), VIRT_API_PORT
# (virt-api's port on 127.0.0.1, where the API server calls its webhooks; default
# SIM_WEBHOOK_PORT, the older name, else 9444; give a second cluster another port),
# KUBEVIRT_VERSION (default v1.6.0), SIM_RACE=1 (build the simulator with the race detector;
# its log then names any data race). Only one cluster at a time can run the operator: its
# webhook port (9443) is fixed in its code.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.5
KWOK_VERSION=v0.7.0
NMO_VERSION=v0.17.0
NMO_MODULE=github.com/medik8s/node-maintenance-operator
# KubeVirt whose own virt-operator code writes the KubeVirt certificate estate and whose virt-api
# runs in the cluster (hack/tools/kubevirt); another version gets its go.mod from that version's
# own replace block.
# The simulator reports it on the KubeVirt CR's status (observedKubeVirtVersion), as
# virt-operator does, and behaves as that release where KubeVirt's behaviour changed.
KUBEVIRT_VERSION=${KUBEVIRT_VERSION:-v1.6.0}
# virt-api listens here on 127.0.0.1 only; SIM_WEBHOOK_PORT is the port's older name, from when
# the simulator served the eviction webhook itself.
VIRT_API_PORT=${VIRT_API_PORT:-${SIM_WEBHOOK_PORT:-9444}}

CACHE=${OC_CNV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oc-cnv}
CLUSTER=${OC_CNV_CLUSTER:-oc-cnv}
NODES=${NODES:-3}
CNV_NAMESPACE=${CNV_NAMESPACE:-openshift-cnv}
STATE=$CACHE/clusters/$CLUSTER
K8S_BIN=$CACHE/bin/k8s-$K8S_VERSION
ETCD_BIN=$CACHE/bin/etcd-$ETCD_VERSION
KWOK_BIN=$CACHE/bin/kwok-$KWOK_VERSION
NMO_BIN=$CACHE/bin/nmo-$NMO_VERSION
NMO_SRC=$CACHE/src/nmo-$NMO_VERSION
KUBECTL=$K8S_BIN/kubectl
# Keyed by the tools' own source too: a change to kubevirt-certs or virt-api-harness must be
# built, not served from an earlier build of the same KubeVirt version.
KUBEVIRT_TOOLS_HASH=$(cd "$ROOT/hack/tools/kubevirt" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-12)
KUBEVIRT_BIN=$CACHE/bin/kubevirt-$KUBEVIRT_VERSION-$KUBEVIRT_TOOLS_HASH
KUBEMACPOOL_TOOLS_HASH=$(cd "$ROOT/hack/tools/kubemacpool" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-12)
KUBEMACPOOL_BIN=$CACHE/bin/kubemacpool-$KUBEMACPOOL_TOOLS_HASH
CDI_TOOLS_HASH=$(cd "$ROOT/hack/tools/cdi" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-12)
CDI_BIN=$CACHE/bin/cdi-$CDI_TOOLS_HASH
KUBECONFIG_FILE=$STATE/kubeconfig
# The operator's webhook port is fixed in its main.go; its probes get ports of their own.
NMO_WEBHOOK_PORT=9443
NMO_METRICS_ADDR=127.0.0.1:8480
NMO_HEALTH_ADDR=127.0.0.1:8481

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

build_flags=(-trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34")

build_k8s() {
	[[ -x $K8S_BIN/kube-apiserver && -x $K8S_BIN/kube-controller-manager && -x $K8S_BIN/kube-scheduler && -x $KUBECTL ]] && return
	log "building Kubernetes $K8S_VERSION (kube-apiserver, controller-manager, scheduler, kubectl)"
	mkdir -p "$K8S_BIN.tmp"
	(cd "$ROOT/hack/tools/k8s" && CGO_ENABLED=0 go build "${build_flags[@]}" -o "$K8S_BIN.tmp/" ./kube-apiserver ./kube-controller-manager ./kube-scheduler ./kubectl)
	rm -rf "$K8S_BIN" && mv "$K8S_BIN.tmp" "$K8S_BIN"
}

build_etcd() {
	[[ -x $ETCD_BIN/etcd ]] && return
	log "building etcd $ETCD_VERSION"
	mkdir -p "$ETCD_BIN"
	(cd "$ROOT/hack/tools/etcd" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN/etcd.tmp" . && mv "$ETCD_BIN/etcd.tmp" "$ETCD_BIN/etcd")
}

build_kwok() {
	[[ -x $KWOK_BIN/kwok && -x $KWOK_BIN/kwokctl ]] && return
	log "building kwok and kwokctl $KWOK_VERSION"
	mkdir -p "$KWOK_BIN.tmp"
	GOBIN=$KWOK_BIN.tmp CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
	rm -rf "$KWOK_BIN" && mv "$KWOK_BIN.tmp" "$KWOK_BIN"
}

# The operator's module cannot be `go install`ed through the proxy (its version list is refused),
# so its source is downloaded by exact version and built without its vendor directory.
fetch_nmo_src() {
	[[ -f $NMO_SRC/go.mod ]] && return
	log "downloading $NMO_MODULE@$NMO_VERSION"
	local dir
	dir=$(cd "$ROOT" && GONOSUMDB=github.com/medik8s GOFLAGS=-mod=mod go mod download -json "$NMO_MODULE@$NMO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -n $dir && -d $dir ]] || die "could not download $NMO_MODULE@$NMO_VERSION"
	rm -rf "$NMO_SRC.tmp" && mkdir -p "$(dirname "$NMO_SRC")"
	cp -r "$dir" "$NMO_SRC.tmp" && chmod -R u+w "$NMO_SRC.tmp" && rm -rf "$NMO_SRC.tmp/vendor"
	rm -rf "$NMO_SRC" && mv "$NMO_SRC.tmp" "$NMO_SRC"
}

build_nmo() {
	fetch_nmo_src
	[[ -x $NMO_BIN/node-maintenance-operator ]] && return
	log "building node-maintenance-operator $NMO_VERSION"
	mkdir -p "$NMO_BIN"
	(cd "$NMO_SRC" && GONOSUMDB=github.com/medik8s GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$NMO_BIN/node-maintenance-operator.tmp" .)
	mv "$NMO_BIN/node-maintenance-operator.tmp" "$NMO_BIN/node-maintenance-operator"
}

# build_components COMPONENT...: build what is not cached yet, in two lanes (Kubernetes, the
# largest, beside the others in turn), so the others' module downloads and links overlap the
# Kubernetes compile on 2 cores. Each build's output goes to a log of its own; a line at least
# every minute says what is still building and for how long, since a cold build takes a while.
build_components() {
	local want=() c
	for c in "$@"; do built "$c" || want+=("$c"); done
	((${#want[@]})) || return 0
	# One build at a time per cache: two clusters coming up together would build the same thing.
	mkdir -p "$CACHE"
	exec 8>"$CACHE/build.lock"
	if ! flock -n 8; then
		log "another hack/cluster.sh is building components; waiting for it"
		flock 8
		want=()
		for c in "$@"; do built "$c" || want+=("$c"); done
		((${#want[@]})) || { exec 8>&-; return 0; }
	fi
	local logs=$CACHE/build-logs start=$SECONDS k8s_lane=() other_lane=()
	mkdir -p "$logs"
	for c in "${want[@]}"; do
		if [[ $c == k8s ]]; then k8s_lane+=("$c"); else other_lane+=("$c"); fi
	done
	log "building ${want[*]} (logs: $logs); a cold build takes about 22 minutes on 2 idle cores, 37-52 on busy ones (README)"
	local pids=()
	lane() {
		local c t0
		for c in "$@"; do
			t0=$SECONDS
			echo "$t0" >"$logs/$c.running"
			if ! "build_$c" >"$logs/$c.log" 2>&1; then
				rm -f "$logs/$c.running"
				echo failed >"$logs/$c.failed"
				log "building $c failed after $(fmt_secs $((SECONDS - t0))); letting the other builds finish (they stay cached)"
				return 1
			fi
			rm -f "$logs/$c.running"
			log "built $c in $(fmt_secs $((SECONDS - t0)))"
		done
	}
	rm -f "$logs"/*.running "$logs"/*.failed
	((${#k8s_lane[@]})) && { lane "${k8s_lane[@]}" & pids+=($!); }
	((${#other_lane[@]})) && { lane "${other_lane[@]}" & pids+=($!); }
	local ticker
	(
		while sleep 60; do
			local busy=() f
			for f in "$logs"/*.running; do
				[[ -f $f ]] || continue
				busy+=("$(basename "$f" .running) ($(fmt_secs $((SECONDS - $(cat "$f")))))")
			done
			log "still building: ${busy[*]:-linking}; $(fmt_secs $((SECONDS - start))) so far"
		done
	) 8>&- &
	ticker=$!
	local rc=0 p
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	kill "$ticker" 2>/dev/null || true
	wait "$ticker" 2>/dev/null || true
	if ((rc)); then
		for c in "${want[@]}"; do
			[[ -f $logs/$c.failed ]] || continue
			tail -n 30 "$logs/$c.log" >&2
			die "building $c failed; its whole log is $logs/$c.log"
		done
	fi
	log "components built in $(fmt_secs $((SECONDS - start)))"
	exec 8>&-
}

# build_kubevirt builds hack/tools/kubevirt's programs and upstream's virt-api against
# KUBEVIRT_VERSION. The committed go.mod is for v1.6.0; for another version a copy of the module
# gets that version's replace block (kubevirt's go.mod, its staging directories turned into
# modules) and is tidied.
build_kubevirt() {
	log "building kubevirt-certs, virt-api-harness and virt-api with kubevirt.io/kubevirt $KUBEVIRT_VERSION; about 12 minutes the first time"
	local src=$ROOT/hack/tools/kubevirt
	if [[ $KUBEVIRT_VERSION != v1.6.0 ]]; then
		local up
		up=$(cd /tmp && go mod download -json "kubevirt.io/kubevirt@$KUBEVIRT_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
		[[ -n $up && -f $up/go.mod ]] || die "could not download kubevirt.io/kubevirt@$KUBEVIRT_VERSION"
		src=$CACHE/src/kubevirt-tools-$KUBEVIRT_VERSION
		rm -rf "$src" && mkdir -p "$src" && cp -r "$ROOT/hack/tools/kubevirt/kubevirt-certs" "$ROOT/hack/tools/kubevirt/virt-api-harness" "$ROOT/hack/tools/kubevirt/tools.go" "$src/"
		{
			printf 'module github.com/oc-cnv/oc-cnv/hack/tools/kubevirt\n\ngo 1.24.0\n\nrequire kubevirt.io/kubevirt %s\n\n' "$KUBEVIRT_VERSION"
			sed -n '/^replace (/,/^)/p' "$up/go.mod" | sed "s#=> ./staging/src/kubevirt.io/api#=> kubevirt.io/api $KUBEVIRT_VERSION#; s#=> ./staging/src/kubevirt.io/client-go#=> kubevirt.io/client-go $KUBEVIRT_VERSION#"
		} >"$src/go.mod"
		(cd "$src" && GOFLAGS=-mod=mod go mod tidy)
	fi
	mkdir -p "$KUBEVIRT_BIN.tmp"
	(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X kubevirt.io/client-go/version.gitVersion=$KUBEVIRT_VERSION" \
		-o "$KUBEVIRT_BIN.tmp/" ./kubevirt-certs ./virt-api-harness kubevirt.io/kubevirt/cmd/virt-api)
	rm -rf "$KUBEVIRT_BIN" && mv "$KUBEVIRT_BIN.tmp" "$KUBEVIRT_BIN"
}

# start_owner NAME BIN WHAT: runs the certificate owner NAME from the build directory BIN for
# the estates the simulator serves (the simulator then leaves that owner's objects to it),
# unless the same binary already runs.
start_owner() {
	local name=$1 bin=$2 what=$3
	if alive "$STATE/pids/$name" && cmp -s "$bin/$name" "$STATE/bin/$name"; then
		return
	fi
	stop_pid "$name"
	mkdir -p "$STATE/bin" && cp "$bin/$name" "$STATE/bin/$name"
	log "starting $name ($what)"
	setsid nohup "$STATE/bin/$name" --kubeconfig "$KUBECONFIG_FILE" --cnv-namespace "$CNV_NAMESPACE" \
		>"$STATE/logs/$name.log" 2>&1 9>&- &
	echo $! >"$STATE/pids/$name"
}

# build_kubemacpool builds hack/tools/kubemacpool's kubemacpool-certs: kubemacpool's certificate
# manager (qinqon/kube-admission-webhook, at the version its go.mod requires).
build_kubemacpool() {
	log "building kubemacpool-certs (kube-admission-webhook's certificate manager)"
	mkdir -p "$KUBEMACPOOL_BIN.tmp"
	(cd "$ROOT/hack/tools/kubemacpool" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$KUBEMACPOOL_BIN.tmp/" ./kubemacpool-certs)
	rm -rf "$KUBEMACPOOL_BIN" && mv "$KUBEMACPOOL_BIN.tmp" "$KUBEMACPOOL_BIN"
}

# build_cdi builds hack/tools/cdi's cdi-certs: cdi-operator's certificate code
# (kubevirt.io/containerized-data-importer and the library-go fork it pins, at the versions its
# go.mod requires). CDI's module is served only without the checksum database.
build_cdi() {
	log "building cdi-certs (cdi-operator's certificate code)"
	mkdir -p "$CDI_BIN.tmp"
	(cd "$ROOT/hack/tools/cdi" && GONOSUMDB=kubevirt.io GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$CDI_BIN.tmp/" ./cdi-certs)
	rm -rf "$CDI_BIN" && mv "$CDI_BIN.tmp" "$CDI_BIN"
}

# built COMPONENT: whether its binaries are in the cache.
built() {
	case $1 in
	k8s) [[ -x $K8S_BIN/kube-apiserver && -x $K8S_BIN/kube-controller-manager && -x $K8S_BIN/kube-scheduler && -x $KUBECTL ]] ;;
	etcd) [[ -x $ETCD_BIN/etcd ]] ;;
	kwok) [[ -x $KWOK_BIN/kwok && -x $KWOK_BIN/kwokctl ]] ;;
	nmo) [[ -x $NMO_BIN/node-maintenance-operator ]] ;;
	kubevirt) [[ -x $KUBEVIRT_BIN/kubevirt-certs && -x $KUBEVIRT_BIN/virt-api-harness && -x $KUBEVIRT_BIN/virt-api ]] ;;
	kubemacpool) [[ -x $KUBEMACPOOL_BIN/kubemacpool-certs ]] ;;
	cdi) [[ -x $CDI_BIN/cdi-certs ]] ;;
	*) return 1 ;;
	esac
}

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ticking WHAT COMMAND...: run COMMAND, saying every minute that WHAT is still building.
ticking() {
	local what=$1 start=$SECONDS ticker rc=0
	shift
	(while sleep 60; do log "still building $what; $(fmt_secs $((SECONDS - start))) so far"; done) 8>&- 9>&- &
	ticker=$!
	"$@" || rc=$?
	kill "$ticker" 2>/dev/null || true
	wait "$ticker" 2>/dev/null || true
	return "$rc"
}

build_all() { build_components k8s etcd kwok nmo kubevirt kubemacpool cdi; }

k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_until DESCRIPTION SECONDS COMMAND...: run COMMAND until it succeeds, up to SECONDS.
wait_until() {
	local what=$1 secs=$2 start=$SECONDS
	shift 2
	until "$@" >/dev/null 2>&1; do
		((SECONDS - start < secs)) || die "timed out after ${secs}s waiting for $what"
		sleep 0.2
	done
}

# Daemons must not inherit the lock's fd 9, or they would hold the lock for their lifetime.
kwokctl() { KWOK_WORKDIR=$STATE/kwok KWOK_KUBE_VERSION=$K8S_VERSION "$KWOK_BIN/kwokctl" "$@" 9>&-; }

# front_proxy_pki makes the front-proxy (requestheader) CA and the API server's proxy client
# certificate. virt-api refuses to start without a requestheader CA in kube-system's
# extension-apiserver-authentication ConfigMap (pkg/virt-api/api.go readRequestHeader), which the
# API server publishes only when started with one, as every real cluster is.
front_proxy_pki() {
	local d=$STATE/pki
	[[ -s $d/front-proxy-client.crt ]] && return
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=front-proxy-ca \
		-keyout "$d/front-proxy-ca.key" -out "$d/front-proxy-ca.crt" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj /CN=front-proxy-client \
		-keyout "$d/front-proxy-client.key" -out "$d/front-proxy-client.csr" >/dev/null 2>&1
	openssl x509 -req -days 3650 -in "$d/front-proxy-client.csr" -CA "$d/front-proxy-ca.crt" -CAkey "$d/front-proxy-ca.key" \
		-CAcreateserial -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out "$d/front-proxy-client.crt.tmp" >/dev/null 2>&1
	mv "$d/front-proxy-client.crt.tmp" "$d/front-proxy-client.crt"
}

# The API server flags of a front proxy, as kubeadm sets them.
front_proxy_args() {
	local d=$STATE/pki a
	for a in "requestheader-client-ca-file=$d/front-proxy-ca.crt" requestheader-allowed-names=front-proxy-client \
		requestheader-username-headers=X-Remote-User requestheader-group-headers=X-Remote-Group \
		requestheader-extra-headers-prefix=X-Remote-Extra- "proxy-client-cert-file=$d/front-proxy-client.crt" \
		"proxy-client-key-file=$d/front-proxy-client.key"; do
		printf '%s\n' --extra-args "kube-apiserver=$a"
	done
}

start_control_plane() {
	mkdir -p "$STATE"/{logs,pids,kwok}
	if [[ -f $KUBECONFIG_FILE ]] && k get --raw /readyz >/dev/null 2>&1; then
		log "control plane of $CLUSTER already running"
		return
	fi
	if grep -qx "$CLUSTER" <<<"$(kwokctl get clusters 2>/dev/null)"; then
		log "restarting control plane of $CLUSTER"
		kwokctl --name "$CLUSTER" start cluster --wait 60s >"$STATE/logs/kwokctl.log" 2>&1 || {
			log "restart failed; recreating the cluster"
			kwokctl --name "$CLUSTER" delete cluster >>"$STATE/logs/kwokctl.log" 2>&1 || true
		}
	fi
	if ! grep -qx "$CLUSTER" <<<"$(kwokctl get clusters 2>/dev/null)"; then
		log "creating control plane of $CLUSTER (kube $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
		front_proxy_pki
		local fp=()
		mapfile -t fp < <(front_proxy_args)
		# PortForward: kwok forwards a pod's port-forward to the address its PortForward object
		# names; the simulator points the component pods' ports at 127.0.0.1 listeners
		# (docs/simulator.md, served endpoints).
		kwokctl create cluster --name "$CLUSTER" --runtime binary "${fp[@]}" --enable-crds=PortForward \
			--kube-apiserver-binary "$K8S_BIN/kube-apiserver" \
			--kube-controller-manager-binary "$K8S_BIN/kube-controller-manager" \
			--kube-scheduler-binary "$K8S_BIN/kube-scheduler" \
			--etcd-binary "$ETCD_BIN/etcd" \
			--kwok-controller-binary "$KWOK_BIN/kwok" \
			--wait 60s >"$STATE/logs/kwokctl.log" 2>&1 || { cat "$STATE/logs/kwokctl.log" >&2; die "kwokctl could not create the cluster"; }
	fi
	kwokctl --name "$CLUSTER" get kubeconfig >"$KUBECONFIG_FILE.tmp" && mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
	wait_until "the API server" 60 k get --raw /readyz
	# kwok reads PortForward objects only when the cluster was created with the CRD enabled; a
	# kwok started without it would not act on the objects even if the CRD were added now.
	k get crd portforwards.kwok.x-k8s.io >/dev/null 2>&1 ||
		die "cluster $CLUSTER was created without kwok's PortForward CRD, which the served component endpoints need: run hack/cluster.sh down, then up"
}

ensure_nodes() {
	local have
	have=$(k get nodes -l type=kwok -o name 2>/dev/null | grep -c . || true)
	if ((have < NODES)); then
		log "adding worker nodes ($have -> $NODES)"
		kwokctl --name "$CLUSTER" scale node --replicas "$NODES" >>"$STATE/logs/kwokctl.log" 2>&1
	fi
	# Mark the shared workers so tests that make their own nodes can tell them apart.
	k label nodes -l type=kwok node-role.kubernetes.io/worker= --overwrite >/dev/null
	# virt-handler labels the nodes that can run VMs; every launcher pod selects the label.
	k label nodes -l type=kwok kubevirt.io/schedulable=true --overwrite >/dev/null
	wait_until "$NODES Ready nodes" 60 bash -c "[[ \$('$KUBECTL' --kubeconfig '$KUBECONFIG_FILE' get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}' | grep -c True) -ge $NODES ]]"
}

apply_crds() {
	local api=$1
	k apply --server-side --force-conflicts -f "$ROOT/hack/crds/kubevirt/" >/dev/null
	case $api in
	medik8s | medik8s-crd) k apply --server-side --force-conflicts -f "$NMO_SRC/config/crd/bases/nodemaintenance.medik8s.io_nodemaintenances.yaml" >/dev/null ;;
	kubevirt) k apply --server-side --force-conflicts -f "$ROOT/hack/crds/nodemaintenance/nodemaintenance.kubevirt.io.yaml" >/dev/null ;;
	v1alpha1) k apply --server-side --force-conflicts -f "$ROOT/hack/crds/nodemaintenance/kubevirt.io-v1alpha1.yaml" >/dev/null ;;
	none) ;;
	*) die "unknown --nm-api=$api: use medik8s, kubevirt, v1alpha1 or none" ;;
	esac
	wait_until "CRDs to be established" 60 k wait --for condition=established --timeout=5s crd --all
	k create namespace "$CNV_NAMESPACE" --dry-run=client -o yaml | k apply -f - >/dev/null
	k apply -n "$CNV_NAMESPACE" -f "$ROOT/hack/manifests/kubevirt-cr.yaml" >/dev/null
	# virt-operator reports the phase; KubeVirt's components use a KubeVirt CR's configuration
	# only once it has one (pkg/virt-config/configuration.go GetConfigFromKubeVirtCR).
	k -n "$CNV_NAMESPACE" patch kubevirt kubevirt-kubevirt-hyperconverged --subresource=status --type=merge \
		-p '{"status":{"phase":"Deployed"}}' >/dev/null
	echo "$api" >"$STATE/nm-api"
}

# The operator's serving certificate: controller-runtime reads it from
# $TMPDIR/k8s-webhook-server/serving-certs; the same certificate is the webhook's caBundle.
nmo_cert() {
	local dir=$STATE/nmo/tmp/k8s-webhook-server/serving-certs
	[[ -f $dir/tls.crt ]] && return
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$dir/tls.key" -out "$dir/tls.crt" >/dev/null 2>&1
}

start_nmo() {
	nmo_cert
	k create namespace medik8s-leases --dry-run=client -o yaml | k apply -f - >/dev/null
	if ! alive "$STATE/pids/nmo"; then
		log "starting node-maintenance-operator $NMO_VERSION"
		(
			cd "$STATE/nmo"
			KUBECONFIG=$KUBECONFIG_FILE TMPDIR=$STATE/nmo/tmp OPERATOR_NAMESPACE=medik8s-leases \
				setsid nohup "$NMO_BIN/node-maintenance-operator" --metrics-bind-address "$NMO_METRICS_ADDR" \
				--health-probe-bind-address "$NMO_HEALTH_ADDR" >"$STATE/logs/nmo.log" 2>&1 9>&- &
			echo $! >"$STATE/pids/nmo"
		)
	fi
	local ca
	ca=$(base64 -w0 <"$STATE/nmo/tmp/k8s-webhook-server/serving-certs/tls.crt")
	k apply -f - >/dev/null <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: nodemaintenance-validation.medik8s.io
webhooks:
- name: vnodemaintenance.kb.io
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Fail
  timeoutSeconds: 15
  clientConfig:
    url: https://127.0.0.1:$NMO_WEBHOOK_PORT/validate-nodemaintenance-medik8s-io-v1beta1-nodemaintenance
    caBundle: $ca
  rules:
  - apiGroups: [nodemaintenance.medik8s.io]
    apiVersions: [v1beta1]
    operations: [CREATE, UPDATE]
    resources: [nodemaintenances]
EOF
	# Ready when the operator's webhook answers a server-side dry run for a missing node.
	wait_until "the Node Maintenance Operator's webhook" 60 bash -c "'$KUBECTL' --kubeconfig '$KUBECONFIG_FILE' create --dry-run=server -o name -f - <<<'{\"apiVersion\":\"nodemaintenance.medik8s.io/v1beta1\",\"kind\":\"NodeMaintenance\",\"metadata\":{\"name\":\"readiness-probe\"},\"spec\":{\"nodeName\":\"no-such-node\",\"reason\":\"probe\"}}' 2>&1 | grep -q 'invalid nodeName'"
}

start_simulator() {
	mkdir -p "$STATE/bin"
	log "building the KubeVirt simulator from the working tree"
	local race=()
	[[ ${SIM_RACE:-} == 1 ]] && race=(-race)
	# Seconds when the product's dependencies are compiled already, many minutes on a new machine.
	(cd "$ROOT" && CGO_ENABLED=$((${#race[@]} ? 1 : 0)) ticking "the KubeVirt simulator" go build "${race[@]}" -o "$STATE/bin/kubevirt-sim.new" ./test/kubevirt-sim)
	if alive "$STATE/pids/kubevirt-sim" && cmp -s "$STATE/bin/kubevirt-sim.new" "$STATE/bin/kubevirt-sim"; then
		rm -f "$STATE/bin/kubevirt-sim.new"
		return
	fi
	stop_pid kubevirt-sim
	mv "$STATE/bin/kubevirt-sim.new" "$STATE/bin/kubevirt-sim"
	log "starting the KubeVirt simulator"
	# setsid: in a session of its own, the daemon outlives the shell (and process group) that
	# started it, such as a test or an interrupted command.
	setsid nohup "$STATE/bin/kubevirt-sim" --kubeconfig "$KUBECONFIG_FILE" --cnv-namespace "$CNV_NAMESPACE" \
		--kubevirt-certs-external --kubevirt-version "$KUBEVIRT_VERSION" --virt-api-port "$VIRT_API_PORT" >"$STATE/logs/kubevirt-sim.log" 2>&1 9>&- &
	echo $! >"$STATE/pids/kubevirt-sim"
	# Ready when the certificate owners issued the CA.
	wait_until "the simulated certificate owners" 60 k -n "$CNV_NAMESPACE" get secret kubevirt-ca
	wait_until "the KubeVirt CR to report version $KUBEVIRT_VERSION" 60 bash -c "'$KUBECTL' --kubeconfig '$KUBECONFIG_FILE' -n '$CNV_NAMESPACE' get kubevirts -o jsonpath='{.items[*].status.observedKubeVirtVersion}' | grep -q ."
}

# start_virt_api runs KubeVirt's own virt-api (kubevirt.io/kubevirt/cmd/virt-api at
# KUBEVIRT_VERSION) on 127.0.0.1:VIRT_API_PORT, with virt-api-harness (hack/tools/kubevirt)
# playing the kubelet's Secret volumes and virt-operator's registration of its webhooks
# (docs/simulator.md). It needs the Secrets kubevirt-certs writes once the simulator made the
# virt-operator Deployment, so it comes after both.
start_virt_api() {
	[[ -n $(k -n kube-system get configmap extension-apiserver-authentication -o jsonpath='{.data.requestheader-client-ca-file}' 2>/dev/null) ]] ||
		die "the API server of cluster $CLUSTER has no front-proxy (requestheader) CA, which virt-api needs: the cluster was made before it ran virt-api; run hack/cluster.sh down, then up"
	local dir=$STATE/virt-api
	mkdir -p "$dir" "$STATE/bin"
	if ! alive "$STATE/pids/virt-api-harness" || ! cmp -s "$KUBEVIRT_BIN/virt-api-harness" "$STATE/bin/virt-api-harness"; then
		stop_pid virt-api-harness
		cp "$KUBEVIRT_BIN/virt-api-harness" "$STATE/bin/virt-api-harness"
		log "starting virt-api-harness (virt-api's Secret volumes and webhook registration, kubevirt $KUBEVIRT_VERSION)"
		setsid nohup "$STATE/bin/virt-api-harness" --kubeconfig "$KUBECONFIG_FILE" --namespace "$CNV_NAMESPACE" --port "$VIRT_API_PORT" \
			--serving-dir "$dir/certificates" --handler-dir "$dir/clientcertificates" \
			>"$STATE/logs/virt-api-harness.log" 2>&1 9>&- &
		echo $! >"$STATE/pids/virt-api-harness"
	fi
	wait_until "virt-api's serving certificate from $CNV_NAMESPACE/kubevirt-virt-api-certs" 60 test -s "$dir/certificates/tls.crt"
	if ! alive "$STATE/pids/virt-api" || ! cmp -s "$KUBEVIRT_BIN/virt-api" "$STATE/bin/virt-api"; then
		stop_pid virt-api
		cp "$KUBEVIRT_BIN/virt-api" "$STATE/bin/virt-api"
		log "starting virt-api (kubevirt $KUBEVIRT_VERSION) on 127.0.0.1:$VIRT_API_PORT"
		# virt-api takes its namespace from the file every pod gets at
		# /var/run/secrets/kubernetes.io/serviceaccount/namespace (kubevirt.io/client-go
		# util.GetNamespace; "kubevirt" without it). It gets one in a mount namespace of its own,
		# on a tmpfs over /run there, so nothing is written to the host's /run.
		local userns=()
		(($(id -u) == 0)) || userns=(--map-root-user)
		setsid nohup unshare "${userns[@]}" --mount --propagation private sh -c '
			mount -t tmpfs -o size=1m,mode=0755 tmpfs /run &&
				mkdir -p /run/secrets/kubernetes.io/serviceaccount &&
				printf %s "$1" >/run/secrets/kubernetes.io/serviceaccount/namespace &&
				shift && exec "$@"' virt-api "$CNV_NAMESPACE" \
			"$STATE/bin/virt-api" --kubeconfig "$KUBECONFIG_FILE" --listen 127.0.0.1 --port "$VIRT_API_PORT" --subresources-only \
			--tls-cert-file "$dir/certificates/tls.crt" --tls-key-file "$dir/certificates/tls.key" \
			--handler-cert-file "$dir/clientcertificates/tls.crt" --handler-key-file "$dir/clientcertificates/tls.key" \
			>"$STATE/logs/virt-api.log" 2>&1 9>&- &
		echo $! >"$STATE/pids/virt-api"
	fi
	local start=$SECONDS
	until virt_api_answers; do
		alive "$STATE/pids/virt-api" || { tail -n 20 "$STATE/logs/virt-api.log" >&2; die "virt-api exited; its log is $STATE/logs/virt-api.log"; }
		((SECONDS - start < 120)) || die "timed out after 120s waiting for virt-api to serve on 127.0.0.1:$VIRT_API_PORT; its log is $STATE/logs/virt-api.log"
		sleep 0.2
	done
	wait_until "virt-api's webhooks to be registered at 127.0.0.1:$VIRT_API_PORT" 60 bash -c "'$KUBECTL' --kubeconfig '$KUBECONFIG_FILE' get validatingwebhookconfiguration virt-api-validator -o jsonpath='{..url}' | grep -q 'https://127.0.0.1:$VIRT_API_PORT/launcher-eviction-validate'"
}

# virt_api_answers: virt-api completes a TLS handshake on its port with a certificate that the
# kubevirt-ca bundle verifies for 127.0.0.1, as the API server checks it when it calls a webhook.
virt_api_answers() {
	k -n "$CNV_NAMESPACE" get configmap kubevirt-ca -o jsonpath='{.data.ca-bundle}' >"$STATE/virt-api/ca-bundle.crt" &&
		[[ -s $STATE/virt-api/ca-bundle.crt ]] &&
		openssl s_client -connect "127.0.0.1:$VIRT_API_PORT" -CAfile "$STATE/virt-api/ca-bundle.crt" -verify_ip 127.0.0.1 \
			-verify_return_error </dev/null >/dev/null 2>&1
}

stop_pid() {
	local f=$STATE/pids/$1
	if alive "$f"; then
		local pid
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

up() {
	local api=${NM_API:-medik8s}
	for a in "$@"; do
		case $a in
		--nm-api=*) api=${a#--nm-api=} ;;
		*) die "unknown argument $a" ;;
		esac
	done
	if [[ -f $STATE/nm-api && $(cat "$STATE/nm-api") != "$api" ]]; then
		die "cluster $CLUSTER serves NodeMaintenance API '$(cat "$STATE/nm-api")'; run 'hack/cluster.sh down' first, or set OC_CNV_CLUSTER to use another cluster"
	fi
	local components=(k8s etcd kwok kubevirt kubemacpool cdi)
	[[ $api == medik8s* ]] && components+=(nmo)
	build_components "${components[@]}"
	[[ $api == medik8s* ]] && fetch_nmo_src
	start_control_plane
	ensure_nodes
	apply_crds "$api"
	if [[ $api == medik8s ]]; then start_nmo; else stop_pid nmo; fi
	start_owner kubevirt-certs "$KUBEVIRT_BIN" "virt-operator's certificate code, kubevirt $KUBEVIRT_VERSION"
	start_owner kubemacpool-certs "$KUBEMACPOOL_BIN" "kube-admission-webhook's certificate manager"
	start_owner cdi-certs "$CDI_BIN" "cdi-operator's certificate code"
	start_simulator
	start_virt_api
	log "cluster $CLUSTER is up: export KUBECONFIG=$KUBECONFIG_FILE"
}

down() {
	stop_pid virt-api
	stop_pid virt-api-harness
	stop_pid kubevirt-sim
	stop_pid kubevirt-certs
	stop_pid kubemacpool-certs
	stop_pid cdi-certs
	stop_pid nmo
	if [[ -x $KWOK_BIN/kwokctl ]] && grep -qx "$CLUSTER" <<<"$(kwokctl get clusters 2>/dev/null)"; then
		kwokctl --name "$CLUSTER" delete cluster >>"$STATE/logs/kwokctl.log" 2>&1 || true
	fi
	rm -rf "$STATE"
	log "cluster $CLUSTER is down"
}

status() {
	printf 'cluster:     %s\nkubeconfig:  %s\nlogs:        %s\n' "$CLUSTER" "$KUBECONFIG_FILE" "$STATE/logs"
	if [[ -f $KUBECONFIG_FILE ]] && k get --raw /readyz >/dev/null 2>&1; then echo "apiserver:   ready"; else echo "apiserver:   down"; fi
	for p in nmo kubevirt-sim kubevirt-certs kubemacpool-certs cdi-certs virt-api virt-api-harness; do
		if alive "$STATE/pids/$p"; then echo "$p: running (pid $(cat "$STATE/pids/$p"))"; else echo "$p: stopped"; fi
	done
	[[ -f $STATE/nm-api ]] && echo "nm-api:      $(cat "$STATE/nm-api")"
	return 0
}

# logs: what CI prints when a test fails, before the cluster (and its logs) are removed.
logs() {
	local lines=${1:-60}
	[[ $lines =~ ^[0-9]+$ ]] || die "logs takes a number of lines, not '$lines'"
	[[ -d $STATE ]] || { log "cluster $CLUSTER is not up: no logs"; return 0; }
	status
	local f
	for f in "$STATE/logs/kubevirt-sim.log" "$STATE/logs/kubevirt-certs.log" "$STATE/logs/kubemacpool-certs.log" "$STATE/logs/cdi-certs.log" "$STATE/logs/virt-api.log" "$STATE/logs/virt-api-harness.log" "$STATE/logs/nmo.log"; do
		[[ -f $f ]] || continue
		printf '\n=== last %s lines of %s\n' "$lines" "$f"
		tail -n "$lines" "$f"
	done
}

# operator stop|start: the operator's process only; its ValidatingWebhookConfiguration stays, so
# the API server refuses NodeMaintenance writes while it is stopped, as on a cluster whose
# operator Deployment was scaled to 0. start waits until the webhook answers again.
operator() {
	[[ -f $STATE/nm-api && $(cat "$STATE/nm-api") == medik8s ]] ||
		die "cluster $CLUSTER does not run the Node Maintenance Operator (nm-api: $(cat "$STATE/nm-api" 2>/dev/null || echo 'not up')); it runs with hack/cluster.sh up --nm-api=medik8s"
	case ${1:-} in
	stop)
		stop_pid nmo
		log "node-maintenance-operator of $CLUSTER stopped; its webhook stays registered"
		;;
	start)
		start_nmo
		log "node-maintenance-operator of $CLUSTER is running and its webhook answers"
		;;
	*) die "usage: hack/cluster.sh operator stop|start" ;;
	esac
}

# virt-api stop|start: virt-api's process only; its webhook configurations stay registered with
# failurePolicy Fail, so the API server refuses evictions of VM pods while it is stopped, as on a
# cluster whose virt-api has no ready pod. start waits until it serves again.
virt_api() {
	[[ -f $STATE/nm-api ]] || die "cluster $CLUSTER is not up; start it with hack/cluster.sh up"
	case ${1:-} in
	stop)
		stop_pid virt-api
		log "virt-api of $CLUSTER stopped; its webhooks stay registered and fail closed"
		;;
	start)
		start_virt_api
		log "virt-api of $CLUSTER is serving and its webhooks are registered"
		;;
	*) die "usage: hack/cluster.sh virt-api stop|start" ;;
	esac
}

# One up/down at a time per cluster: tests and people may run them concurrently.
lock() {
	mkdir -p "$CACHE/clusters"
	exec 9>"$CACHE/clusters/$CLUSTER.lock"
	flock 9
}

case ${1:-} in
build) build_all ;;
up) shift; lock; up "$@" ;;
down) lock; down ;;
kubeconfig) echo "$KUBECONFIG_FILE" ;;
kubectl) echo "$KUBECTL" ;;
status) status ;;
logs) shift; logs "$@" ;;
operator) shift; lock; operator "$@" ;;
virt-api) shift; lock; virt_api "$@" ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
