package patterns

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cachegen/cachegen/examples/models"
	"github.com/cachegen/cachegen/runtime"
)

// UserDB stands in for the source of truth, e.g. a SQL table. It counts
// its loads so the examples can show when the cache spared one.
type UserDB struct {
	mu    sync.Mutex
	rows  map[int64]models.User
	loads atomic.Int64
}

// NewUserDB returns a database holding users.
func NewUserDB(users ...models.User) *UserDB {
	db := &UserDB{rows: map[int64]models.User{}}
	for _, u := range users {
		db.rows[u.ID] = u
	}
	return db
}

// Load reads a user. A user that does not exist is runtime.ErrNotFound,
// which GetOrLoad can cache as a negative entry (runtime.WithNegativeTTL).
func (db *UserDB) Load(_ context.Context, id int64) (*models.User, error) {
	db.loads.Add(1)
	db.mu.Lock()
	defer db.mu.Unlock()
	u, ok := db.rows[id]
	if !ok {
		return nil, fmt.Errorf("user %d: %w", id, runtime.ErrNotFound)
	}
	return &u, nil
}

// Save writes a user.
func (db *UserDB) Save(_ context.Context, u *models.User) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.rows[u.ID] = *u
	return nil
}

// Update changes a user in one step and returns it as it was before.
func (db *UserDB) Update(_ context.Context, id int64, change func(u *models.User)) (before models.User, err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	u, ok := db.rows[id]
	if !ok {
		return u, fmt.Errorf("user %d: %w", id, runtime.ErrNotFound)
	}
	before = u
	change(&u)
	db.rows[id] = u
	return before, nil
}

// Loads returns how many times Load ran.
func (db *UserDB) Loads() int64 { return db.loads.Load() }

// Users is a user repository with Redis in front of the database. Each
// method is one caching pattern.
type Users struct {
	DB      *UserDB
	ByID    *models.UserCache
	ByEmail *models.UserByEmailCache
}

// Get is cache-aside: the cache answers when it can; on a miss the loader
// reads the database and the cache keeps the result for next time.
// Concurrent misses for one ID share a single load.
func (r *Users) Get(ctx context.Context, id int64) (*models.User, error) {
	return r.ByID.GetOrLoad(ctx, id, r.DB.Load)
}

// Create is write-through: the database first (the source of truth), then
// every cache the user is reachable through, so the next read hits.
func (r *Users) Create(ctx context.Context, u *models.User) error {
	if err := r.DB.Save(ctx, u); err != nil {
		return err
	}
	if err := r.ByID.Set(ctx, u); err != nil {
		return err
	}
	return r.ByEmail.Set(ctx, u)
}

// ChangeEmail is invalidation on update: write the database, then remove
// every key the old value was cached under — by ID, and by the old email,
// which a later read could not even name. The next read loads afresh.
// (Removing rather than rewriting means a concurrent reader cannot put the
// stale value back after the write; at worst it caches the new one.)
func (r *Users) ChangeEmail(ctx context.Context, id int64, email string) error {
	before, err := r.DB.Update(ctx, id, func(u *models.User) { u.Email = email })
	if err != nil {
		return err
	}
	_, err1 := r.ByID.Remove(ctx, id)
	_, err2 := r.ByEmail.Remove(ctx, before.Email)
	return errors.Join(err1, err2)
}
