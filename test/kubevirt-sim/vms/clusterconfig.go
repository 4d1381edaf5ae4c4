package vms

import (
	"sort"

	virtv1 "kubevirt.io/api/core/v1"
)

// KubeVirt's defaults for migrations.parallelOutboundMigrationsPerNode and
// migrations.parallelMigrationsPerCluster (pkg/virt-config defaults).
const (
	defaultParallelOutboundMigrationsPerNode = 2
	defaultParallelMigrationsPerCluster      = 5
)

// clusterConfig is the part of the KubeVirt CR's spec.configuration the simulator honours.
type clusterConfig struct {
	// EvictionStrategy is the cluster-wide default; nil when the CR does not set one.
	EvictionStrategy          *virtv1.EvictionStrategy
	OutboundMigrationsPerNode int
	MigrationsPerCluster      int
	// Version is the KubeVirt version the CR's status reports as deployed (operator_status.go
	// writes it); empty when none is.
	Version string
}

// configFrom reads the configuration of the single KubeVirt CR (KubeVirt refuses a second
// one; if several exist anyway the oldest live one wins). No CR means KubeVirt defaults.
func configFrom(kvs []*virtv1.KubeVirt) clusterConfig {
	cfg := clusterConfig{
		OutboundMigrationsPerNode: defaultParallelOutboundMigrationsPerNode,
		MigrationsPerCluster:      defaultParallelMigrationsPerCluster,
	}
	var live []*virtv1.KubeVirt
	for _, kv := range kvs {
		if kv.DeletionTimestamp == nil {
			live = append(live, kv)
		}
	}
	if len(live) == 0 {
		return cfg
	}
	sort.Slice(live, func(i, j int) bool {
		return live[i].CreationTimestamp.Before(&live[j].CreationTimestamp)
	})
	c := live[0].Spec.Configuration
	cfg.Version = live[0].Status.ObservedKubeVirtVersion
	cfg.EvictionStrategy = c.EvictionStrategy
	if m := c.MigrationConfiguration; m != nil {
		if m.ParallelOutboundMigrationsPerNode != nil {
			cfg.OutboundMigrationsPerNode = int(*m.ParallelOutboundMigrationsPerNode)
		}
		if m.ParallelMigrationsPerCluster != nil {
			cfg.MigrationsPerCluster = int(*m.ParallelMigrationsPerCluster)
		}
	}
	return cfg
}
