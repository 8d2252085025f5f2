// Package httpapi is ward's HTTP face: the REST routes under /api/v1, health
// and metrics endpoints, middleware (request ids, security headers, logging,
// metrics, panics) and RFC 9457 problem+json errors from one code→status
// table. Handlers decode and authenticate, then call internal/app; they never
// touch the store. The routes are listed in one place, routes().
package httpapi
