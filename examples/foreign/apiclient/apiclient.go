// Package apiclient stands for the models of an API client you do not own,
// such as go-github's: exported structs with pointer fields for everything
// the API may leave out, and JSON tags. You cannot put a //cache: comment
// on them; package foreign declares caches of them with type aliases.
package apiclient

import "time"

// Repository is a source repository as the API returns it.
type Repository struct {
	ID            *int64     `json:"id,omitempty"`
	Name          *string    `json:"name,omitempty"`
	FullName      *string    `json:"full_name,omitempty"`
	Owner         *User      `json:"owner,omitempty"`
	Description   *string    `json:"description,omitempty"`
	Topics        []string   `json:"topics,omitempty"`
	Stars         *int       `json:"stargazers_count,omitempty"`
	Private       *bool      `json:"private,omitempty"`
	PushedAt      *time.Time `json:"pushed_at,omitempty"`
	DefaultBranch *string    `json:"default_branch,omitempty"`
}

// User is the owner of a repository.
type User struct {
	ID    *int64  `json:"id,omitempty"`
	Login *string `json:"login,omitempty"`
	Name  *string `json:"name,omitempty"`
}

// Ptr returns a pointer to v, as go-github's github.Ptr does.
func Ptr[T any](v T) *T { return &v }
