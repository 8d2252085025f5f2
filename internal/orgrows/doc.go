// Package orgrows reads an org's records of one kind for the compliance
// registries (breach incidents, BAAs): all of them for a member the
// action is allowed to, or one by id, where an id that is not a UUID is
// simply not found.
package orgrows
