package models

// Order lives in its tenant's Redis Cluster slot.
//
//cache:key=tenant:{<TenantID>}:order:<ID> ttl=15m
type Order struct {
	TenantID string
	ID       uint32
	Total    int64
}
