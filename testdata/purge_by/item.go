package models

// Item has two caches with several placeholders: PurgeBy<first field> is
// emitted for each, passing the key text through the literal after the
// first placeholder, that part escaped as in keys ('/' is in the template's
// literal text, so it is escaped too).
//
//cache:key=t/<Tenant>/u:<ID> name=ByTenantCache
//cache:key=r:<Region.Code>-<ID>:x name=ByRegionCache
type Item struct {
	Tenant string
	ID     int64
	Region Region
}

// Region is reached through a field path.
type Region struct {
	Code uint8
}
