package models

import "github.com/google/uuid"

// Owner owns repositories.
type Owner struct {
	ID    *int64
	Login *string
}

// Repo has pointer key fields, as API models do.
//
//cache:key=repo:<ID> local=10
//cache:key=repo:<Owner.Login>/<Name> name=RepoByNameCache
//cache:key=repo:uuid:<UUID>:<Stars> name=RepoByUUIDCache
type Repo struct {
	ID    *int64
	Name  *string
	Owner *Owner
	UUID  *uuid.UUID
	Stars *uint32
}
