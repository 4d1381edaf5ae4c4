#!/usr/bin/env bash
# Checks by hand that the local test cluster serves each CNV component's certificate behind its
# Service: for every Service below, `kubectl port-forward svc/NAME :443` (kubectl picks a pod by
# the selector and resolves the targetPort, a number or a container port's name), then a TLS
# handshake with SNI <service>.<namespace>.svc through the forward, and the served leaf compared
# with the Secret's leaf. docs/simulator.md, "Served endpoints".
#
#   OC_CNV_CLUSTER=sim hack/check-served.sh [SERVICE...]   (same environment as hack/cluster.sh;
#                                                         default: every Service below)
#
# Prints one line per Service: the serials, whether the served leaf is byte for byte the
# Secret's, and how many certificates were presented. Exits 1 when a serial differs or a
# handshake fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NS=${CNV_NAMESPACE:-openshift-cnv}
KUBECTL=$("$ROOT/hack/cluster.sh" kubectl)
KUBECONFIG_FILE=$("$ROOT/hack/cluster.sh" kubeconfig)
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# Service -> the Secret its pods serve.
services=(
	virt-api:kubevirt-virt-api-certs
	virt-exportproxy:kubevirt-exportproxy-certs
	kubevirt-operator-webhook:kubevirt-operator-certs
	cdi-api:cdi-apiserver-server-cert
	cdi-uploadproxy:cdi-uploadproxy-server-cert
	kubemacpool-service:kubemacpool-service
	virt-template-validator:virt-template-validator-certs
)

work=$(mktemp -d)
pf_pid=
cleanup() {
	[[ -n $pf_pid ]] && kill "$pf_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# leaf_of FILE: the first certificate of a PEM file.
leaf_of() { openssl x509 -in "$1" 2>/dev/null; }

failed=0
for entry in "${services[@]}"; do
	svc=${entry%%:*} secret=${entry#*:}
	if (($#)) && ! [[ " $* " == *" $svc "* ]]; then continue; fi
	if ! k -n "$NS" get secret "$secret" -o jsonpath='{.data.tls\.crt}' >"$work/secret.b64" 2>"$work/secret.err"; then
		printf '%-26s no Secret %s: %s\n' "$svc" "$secret" "$(tr '\n' ' ' <"$work/secret.err")"
		failed=1
		continue
	fi
	base64 -d <"$work/secret.b64" >"$work/secret.pem"
	k -n "$NS" port-forward "svc/$svc" :443 >"$work/pf.out" 2>&1 &
	pf_pid=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/pf.out")
		[[ -n $port ]] && break
		kill -0 "$pf_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -z $port ]]; then
		printf '%-26s port-forward failed: %s\n' "$svc" "$(tr '\n' ' ' <"$work/pf.out")"
		failed=1
	elif ! openssl s_client -connect "127.0.0.1:$port" -servername "$svc.$NS.svc" -showcerts </dev/null >"$work/served.out" 2>"$work/served.err"; then
		printf '%-26s handshake failed: %s\n' "$svc" "$(tail -n 1 "$work/served.err")"
		failed=1
	else
		n=$(grep -c 'BEGIN CERTIFICATE' "$work/served.out" || true)
		leaf_of "$work/served.out" >"$work/served-leaf.pem"
		leaf_of "$work/secret.pem" >"$work/secret-leaf.pem"
		got=$(openssl x509 -in "$work/served-leaf.pem" -noout -serial)
		want=$(openssl x509 -in "$work/secret-leaf.pem" -noout -serial)
		same=no
		cmp -s "$work/served-leaf.pem" "$work/secret-leaf.pem" && same=yes
		verdict=ok
		[[ $got == "$want" ]] || { verdict=MISMATCH; failed=1; }
		printf '%-26s %-8s served %s secret %s identical=%s certificates=%s -> %s\n' "$svc" "$verdict" "${got#serial=}" "${want#serial=}" "$same" "$n" "$(sed -n 's/^Forwarding from 127\.0\.0\.1:[0-9]* -> \([0-9]*\)$/\1/p' "$work/pf.out")"
	fi
	kill "$pf_pid" 2>/dev/null || true
	wait "$pf_pid" 2>/dev/null || true
	pf_pid=
done
exit "$failed"
