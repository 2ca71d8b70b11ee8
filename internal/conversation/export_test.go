package conversation

import "time"

// Hooks for the package's external tests.

// SetPresenceWindow shortens how long an instance waits to hear other instances (tests only).
func SetPresenceWindow(s *Service, d time.Duration) { s.presence.window = d }

// OthersMayListen reports whether s would send a cross-instance notice now.
func OthersMayListen(s *Service) bool { return s.presence.othersMayListen(time.Now()) }
