package vms

import (
	"slices"
	"sort"

	utilversion "k8s.io/apimachinery/pkg/util/version"
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
	// FeatureGates are spec.configuration.developerConfiguration.featureGates.
	FeatureGates []string
}

// migrationPriorityQueue tells whether the cluster's KubeVirt queues migrations by priority:
// its evacuation controller then creates a migration for every candidate at once, with
// spec.priority, and leaves the parallel limits to the migration controller, which holds the
// rest in Pending. GA in v1.9.0; the MigrationPriorityQueue feature gate from v1.7.0 (alpha)
// and v1.8.0 (beta, still off by default): kubevirt pkg/virt-config/featuregate/active.go and
// pkg/virt-controller/watch/drain/evacuation/evacuation.go at v1.8.0 and v1.9.0. An unknown
// version keeps the older behaviour.
func (c clusterConfig) migrationPriorityQueue() bool {
	v, err := utilversion.ParseGeneric(c.Version)
	if err != nil {
		return false
	}
	return v.AtLeast(utilversion.MustParseGeneric("v1.9.0")) ||
		(v.AtLeast(utilversion.MustParseGeneric("v1.7.0")) && slices.Contains(c.FeatureGates, "MigrationPriorityQueue"))
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
	if d := c.DeveloperConfiguration; d != nil {
		cfg.FeatureGates = d.FeatureGates
	}
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
