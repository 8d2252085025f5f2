package app

import "github.com/wardhealth/ward/internal/access"

// Principal is an authenticated caller. internal/access holds it so that the
// capability packages beside app share it without importing app.
type Principal = access.Principal
