package runtime

// LocalClientID exposes the near cache's tracking connection ID to tests,
// which kill it to prove the tier is cleared.
func LocalClientID[T any](s *Store[T]) int64 {
	if s.local == nil {
		return 0
	}
	return s.local.id.Load()
}

// LocalArmed reports whether the near cache is serving.
func LocalArmed[T any](s *Store[T]) bool { return s.local != nil && s.local.armed.Load() }
