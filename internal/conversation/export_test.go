package conversation

import "time"

// Hooks for the package's external tests.

// SetPresence shortens how long an instance waits to hear other instances and how often it
// greets them (tests only; call before Listen).
func SetPresence(s *Service, window, every time.Duration) {
	s.presence.window, s.presence.every = window, every
}

// OthersMayListen reports whether s would send a cross-instance notice now.
func OthersMayListen(s *Service) bool { return s.presence.othersMayListen(time.Now()) }
