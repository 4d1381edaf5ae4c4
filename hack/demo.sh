#!/usr/bin/env bash
# make demo: walk through oc-cnv on the local cluster with the real binary, printing each command
# before it runs. Leaves the cluster up. Re-runnable: it resets its own estate first.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KUBECONFIG=$("$ROOT/hack/cluster.sh" kubeconfig)
export KUBECONFIG
CACHE=${OC_CNV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oc-cnv}
KUBECTL=$CACHE/bin/k8s-v1.34.4/kubectl
# The demo calls the plugin as kubectl would: through a directory on PATH holding kubectl-cnv.
export PATH="$ROOT/bin:$(dirname "$KUBECTL"):$PATH"
NS=demo-vms
NODE=${DEMO_NODE:-}

bold=$'\e[1m' dim=$'\e[2m' reset=$'\e[0m'
if [[ ! -t 1 || -n ${NO_COLOR+x} ]]; then bold='' dim='' reset=''; fi

say() { printf '\n%s# %s%s\n' "$bold" "$*" "$reset"; }
# run prints the command, runs it, and reports its exit code when it is not 0.
run() {
	local shown=() a
	for a in "$@"; do
		if [[ $a =~ [^A-Za-z0-9_./=:,@%+-] ]]; then shown+=("'$a'"); else shown+=("$a"); fi
	done
	printf '%s$ %s%s\n' "$bold" "${shown[*]}" "$reset"
	local rc=0
	"$@" || rc=$?
	((rc == 0)) || printf '%s(exit code %d)%s\n' "$dim" "$rc" "$reset"
	return 0
}
k() { "$KUBECTL" "$@"; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
	local secs=$1 what=$2 start=$SECONDS
	shift 2
	until "$@" >/dev/null 2>&1; do
		((SECONDS - start < secs)) || { echo "demo: timed out waiting for $what" >&2; exit 1; }
		sleep 0.5
	done
}

say "Reset the demo estate"
for nm in $(k get nodemaintenances.nodemaintenance.medik8s.io -o name 2>/dev/null); do k delete "$nm" --wait=true >/dev/null; done
k delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
k create namespace "$NS" >/dev/null

if [[ -z $NODE ]]; then
	NODE=$(k get nodes -l type=kwok -o jsonpath='{.items[0].metadata.name}')
fi

say "A small virtualization estate: VMs that prefer node $NODE"
cat <<EOF | k apply -n "$NS" -f -
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: web-01-disk}
spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 10Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: db-01-disk}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 20Gi}}}
$(for vm in web-01:LiveMigrate:web-01-disk web-02:LiveMigrate: db-01:LiveMigrate:db-01-disk batch-01::; do
	IFS=: read -r name strategy pvc <<<"$vm"
	cat <<VM
---
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: $name}
spec:
  runStrategy: Always
  template:
    metadata: {labels: {app: $name}}
    spec:
$( [[ -n $strategy ]] && echo "      evictionStrategy: $strategy")
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$NODE]}]}
      domain:
        devices:
          disks: [{name: root, disk: {bus: virtio}}]
        resources: {requests: {memory: 1Gi}}
      volumes:
$( if [[ -n $pvc ]]; then echo "      - {name: root, persistentVolumeClaim: {claimName: $pvc}}"; else echo "      - {name: root, containerDisk: {image: quay.io/containerdisks/fedora:latest}}"; fi)
VM
done)
EOF
wait_for 120 "the VMs to run" bash -c "[[ \$('$KUBECTL' get vmi -n $NS -o jsonpath='{range .items[*]}{.status.phase}{\"\\n\"}{end}' | grep -c Running) -eq 4 ]]"
run kubectl get vmi -n "$NS" -o wide

say "The plugin, as oc and kubectl find it (kubectl runs kubectl-cnv from PATH)"
run kubectl cnv version

say "Maintenance: first ask what would happen to the VMs on $NODE (nothing is changed)"
run kubectl cnv maintenance start "$NODE" --reason "Replacing DIMM" --dry-run=client

say "Without --dry-run it refuses: db-01 has a ReadWriteOnce disk and would block the drain"
run kubectl cnv maintenance start "$NODE" --reason "Replacing DIMM"

say "The admin stops db-01 for the window (its disk cannot move), then starts maintenance for real"
run kubectl patch vm db-01 -n "$NS" --type merge -p '{"spec":{"runStrategy":"Halted"}}'
wait_for 60 "db-01 to stop" bash -c "! '$KUBECTL' get vmi db-01 -n $NS"
run kubectl cnv maintenance start "$NODE" --reason "Replacing DIMM" --yes

say "Where the VMs went"
run kubectl get vmi -n "$NS" -o wide
run kubectl get vmim -n "$NS"

say "The maintenance, as a list and in detail"
run kubectl cnv maintenance list
run kubectl cnv maintenance describe "$NODE"

say "End the maintenance: the node is schedulable again (VMs do not move back)"
run kubectl cnv maintenance stop "$NODE"
run kubectl patch vm db-01 -n "$NS" --type merge -p '{"spec":{"runStrategy":"Always"}}'

say "Certificates of the virtualization components in openshift-cnv"
run kubectl cnv certs check -n openshift-cnv

say "Have their operators re-issue them (a dry run first, then for real)"
run kubectl cnv certs rotate -n openshift-cnv --dry-run
run kubectl cnv certs rotate -n openshift-cnv --yes

say "And check again: new serials, new expiry dates"
run kubectl cnv certs check -n openshift-cnv

say "The cluster stays up"
cat <<EOF
  export KUBECONFIG=$KUBECONFIG
  export PATH=$ROOT/bin:\$PATH        # oc-cnv / kubectl-cnv
  kubectl get vmi -A                  # kubectl built for the demo: $KUBECTL
  make cluster-down                   # stops everything
EOF
