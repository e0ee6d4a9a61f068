package models

import (
	"fmt"

	"github.com/google/uuid"
)

// Color is written by its String method.
type Color struct{ R, G, B uint8 }

func (c Color) String() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Level is a named integer with a String method: still written as decimal.
type Level int8

func (l Level) String() string { return "level" }

// Session is a login session.
//
//cache:key=session:<ID>
//cache:key=theme:<Theme>:<Level>:<Owner> name=SessionByThemeCache
type Session struct {
	ID    uuid.UUID
	Theme Color
	Level Level
	Owner uuid.UUID
}
