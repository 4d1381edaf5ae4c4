package maintenance

// The fixtures of the internal tests that the external ones (package maintenance_test) use as
// well. Those are external because they drive the follower (pkg/maintenance/follow) or the
// drain method (pkg/maintenance/drainmethod), which import this package.
var (
	FixtureAPI           = testAPI
	FixturePod           = pod
	FixtureEvacMigration = evacMigration
	FixtureInventory     = inventoryFixture
)
